{{ config(materialized='view') }}
{#-
    For a pair of occupations, each category of software the target uses that the source does not,
    one row per example of the target's in it, with the target's counts for the category. A source
    that lists no technology (any occupation of dim_occupations) gets every category of the target.
    A plain join with a NOT EXISTS, without CTEs, GROUP BY or DISTINCT, so the view stays mergeable
    and a query for one pair is primary-key lookups (docs/dbt.md).
-#}
select
    source_occupation.onetsoc_code as from_code,
    target_technology.onetsoc_code as to_code,
    target_technology.category_id,
    target_technology.category_name as category,
    target_technology.example,
    target_technology.is_hot_technology,
    target_technology.is_in_demand,
    target_technology.category_example_count as example_count,
    target_technology.category_hot_count as hot_count,
    target_technology.category_in_demand_count as in_demand_count
from {{ ref('dim_occupations') }} as source_occupation
cross join {{ ref('fct_occupation_technology') }} as target_technology
where not exists (
    select 1
    from {{ ref('fct_occupation_technology') }} as source_technology
    where
        source_technology.onetsoc_code = source_occupation.onetsoc_code
        and source_technology.category_id = target_technology.category_id
)
