-- An occupation compared with itself has no gap, in either gap model and any domain.
select
    'skill_gap' as gap_model,
    from_code,
    domain,
    element_id
from {{ ref('skill_gap') }}
where from_code = to_code

union all

select
    'skill_gap_by_level' as gap_model,
    from_code,
    domain,
    element_id
from {{ ref('skill_gap_by_level') }}
where from_code = to_code
