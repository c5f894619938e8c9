{{ config(post_hook="alter table {{ this }} add primary key (category_id)") }}

with

technology as (
    select * from {{ ref('stg_onet__technology_skills') }}
),

final as (
    select
        category_id,
        max(category_name) as category_name,
        count(distinct onetsoc_code) as occupation_count,
        count(distinct case when is_hot_technology then onetsoc_code end) as hot_occupation_count,
        count(*) as example_count,
        max(source_layout) as source_layout
    from technology
    group by category_id
)

select * from final
