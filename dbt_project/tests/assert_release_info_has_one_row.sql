-- release_info describes one published release: exactly one row.
select count(*) as row_count
from {{ ref('release_info') }}
having count(*) != 1
