{{ config(post_hook="alter table {{ this }} add primary key (onetsoc_code, related_onetsoc_code)") }}

with

related as (
    select * from {{ ref('stg_onet__related_occupations') }}
),

final as (
    select
        onetsoc_code,
        related_onetsoc_code,
        relatedness_tier,
        related_index
    from related
)

select * from final
