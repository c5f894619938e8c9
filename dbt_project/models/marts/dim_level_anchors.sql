{#- Each element's level (LV) anchors with the range of levels each is nearest to: what the ratings
    read from O*NET Web Services take their level anchor from (fct_occupation_ratings_combined). -#}
{{ config(post_hook="alter table {{ this }} add primary key (element_id, anchor_value)") }}

with

anchors as (
    select * from {{ ref('int_level_anchors_ranged') }}
),

final as (
    select
        element_id,
        anchor_value,
        anchor_description,
        level_above,
        level_up_to
    from anchors
)

select * from final
