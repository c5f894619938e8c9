{{ config(post_hook="alter table {{ this }} add primary key (element_id), add key by_domain (domain)") }}

with

elements as (
    select * from {{ ref('int_elements_categorized') }}
),

final as (
    select
        element_id,
        element_name as name,
        element_description as description,
        domain,
        category_group,
        category
    from elements
)

select * from final
