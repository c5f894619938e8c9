{#- Each level (LV) anchor with the range of levels it is the nearest anchor to. -#}
with

anchors as (
    select * from {{ ref('stg_onet__level_scale_anchors') }}
    where scale_id = 'LV'
),

neighbours as (
    select
        element_id,
        anchor_value,
        anchor_description,
        lag(anchor_value) over (partition by element_id order by anchor_value) as previous_value,
        lead(anchor_value) over (partition by element_id order by anchor_value) as next_value
    from anchors
),

ranged as (
    select
        element_id,
        anchor_value,
        anchor_description,
        -- Halfway to the neighbours (NULL: no bound); a level exactly halfway goes to the lower anchor.
        (previous_value + anchor_value) / 2 as level_above,
        (anchor_value + next_value) / 2 as level_up_to
    from neighbours
)

select * from ranged
