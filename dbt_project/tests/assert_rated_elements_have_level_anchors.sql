{{ config(severity='warn') }}
-- Every rated element has level anchors, so gap items can say what a level means. A warning, not
-- an error: Level Scale Anchors.txt is optional in a release, and without it the anchors are NULL
-- while the gaps stay right. 29.3 has anchors for every rated element.
with

elements as (
    select * from {{ ref('dim_elements') }}
),

anchors as (
    select * from {{ ref('stg_onet__level_scale_anchors') }}
)

select
    elements.element_id,
    elements.domain
from elements
where not exists (
    select 1 from anchors
    where
        anchors.element_id = elements.element_id
        and anchors.scale_id = 'LV'
)
