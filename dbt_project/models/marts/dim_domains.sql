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
        domains.ratings_file,
        domains.sort_order,
        coalesce(element_counts.element_count, 0) as element_count,
        coalesce(occupation_counts.rated_occupation_count, 0) as rated_occupation_count,
        occupation_counts.rated_occupation_count is not null as has_ratings
    from domains
    left join element_counts
        on domains.domain = element_counts.domain
    left join occupation_counts
        on domains.domain = occupation_counts.domain
)

select * from final
