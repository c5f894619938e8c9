{{ config(post_hook="alter table {{ this }} add primary key (domain)") }}

with

domains as (
    select * from {{ ref('onet_domains') }}
),

ratings as (
    select * from {{ ref('int_occupation_ratings_pivoted') }}
),

elements as (
    select * from {{ ref('dim_elements') }}
),

occupations as (
    select * from {{ ref('stg_onet__occupations') }}
),

load_files as (
    select * from {{ ref('stg_onet__load_files') }}
),

served_files as (
    -- The files of the load the landing tables hold (every row of a load carries its id).
    select
        load_files.table_name,
        group_concat(load_files.file_name order by load_files.file_name separator ', ') as ratings_files
    from load_files
    where
        load_files.is_present
        and load_files.load_id = (select max(occupations.load_id) from occupations)
    group by load_files.table_name
),

element_counts as (
    select
        domain,
        count(*) as element_count
    from elements
    group by domain
),

occupation_counts as (
    select
        domain,
        count(distinct onetsoc_code) as rated_occupation_count
    from ratings
    group by domain
),

final as (
    select
        domains.domain,
        domains.name,
        served_files.ratings_files,
        domains.sort_order,
        coalesce(element_counts.element_count, 0) as element_count,
        coalesce(occupation_counts.rated_occupation_count, 0) as rated_occupation_count,
        occupation_counts.rated_occupation_count is not null as has_ratings
    from domains
    left join element_counts
        on domains.domain = element_counts.domain
    left join occupation_counts
        on domains.domain = occupation_counts.domain
    left join served_files
        on domains.landing_table = served_files.table_name
)

select * from final
