{#-
    The primary key serves the gap views: one pair is two primary-key lookups per element.
    by_element serves lookups across occupations (who is rated on an element).
-#}
{{ config(post_hook=
    "alter table {{ this }}
    add primary key (onetsoc_code, domain, element_id),
    add key by_element (domain, element_id)"
) }}

with

ratings as (
    select * from {{ ref('int_occupation_ratings_pivoted') }}
),

elements as (
    select * from {{ ref('dim_elements') }}
),

anchors as (
    select * from {{ ref('int_level_anchors_ranged') }}
),

rated_occupations as (
    select distinct
        domain,
        onetsoc_code
    from ratings
),

-- Every element of a domain for every occupation rated in it: an element an occupation has no
-- row for is there too, with effective level 0.
grid as (
    select
        rated_occupations.domain,
        rated_occupations.onetsoc_code,
        elements.element_id,
        elements.name as element_name
    from rated_occupations
    inner join elements
        on rated_occupations.domain = elements.domain
),

leveled as (
    select
        grid.onetsoc_code,
        grid.domain,
        grid.element_id,
        grid.element_name,
        ratings.importance,
        ratings.importance_n,
        ratings.importance_se,
        ratings.level,
        ratings.level_n,
        ratings.level_se,
        {{ effective_level('ratings.level', 'ratings.not_relevant') }} as effective_level,
        coalesce(ratings.recommend_suppress, false) as recommend_suppress,
        coalesce(ratings.not_relevant, false) as not_relevant
    from grid
    left join ratings
        on
            grid.domain = ratings.domain
            and grid.onetsoc_code = ratings.onetsoc_code
            and grid.element_id = ratings.element_id
),

final as (
    select
        leveled.onetsoc_code,
        leveled.domain,
        leveled.element_id,
        leveled.element_name,
        leveled.importance,
        leveled.importance_n,
        leveled.importance_se,
        leveled.level,
        leveled.level_n,
        leveled.level_se,
        leveled.recommend_suppress,
        leveled.not_relevant,
        leveled.effective_level,
        anchors.anchor_description as level_anchor
    from leveled
    left join anchors
        on
            leveled.element_id = anchors.element_id
            and {{ is_nearest_anchor('leveled.effective_level', 'anchors') }}
)

select * from final
