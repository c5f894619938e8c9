{{ config(post_hook="alter table {{ this }} add key by_occupation (onetsoc_code)") }}

with

alternate_titles as (
    select * from {{ ref('stg_onet__alternate_titles') }}
),

final as (
    select
        onetsoc_code,
        alternate_title,
        short_title,
        sources
    from alternate_titles
)

select * from final
