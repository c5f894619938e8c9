{#- Each rated element with its domain and the names of its Content Model ancestors. -#}
with

ratings as (
    select * from {{ ref('int_ratings_unioned') }}
),

content_model as (
    select * from {{ ref('stg_onet__content_model_elements') }}
),

rated_elements as (
    select distinct
        domain,
        element_id
    from ratings
),

categorized as (
    select
        rated_elements.element_id,
        rated_elements.domain,
        content_element.element_name,
        content_element.element_description,
        category_group.element_name as category_group,
        category.element_name as category
    from rated_elements
    inner join content_model as content_element
        on rated_elements.element_id = content_element.element_id
    -- The id encodes the hierarchy: 2.A.1.a sits under 2.A.1 (Content) under 2.A (Basic Skills).
    left join content_model as category_group
        on substring_index(rated_elements.element_id, '.', 2) = category_group.element_id
    left join content_model as category
        on substring_index(rated_elements.element_id, '.', 3) = category.element_id
)

select * from categorized
