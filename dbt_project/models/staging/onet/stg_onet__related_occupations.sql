with

source as (
    select * from {{ source('onet', 'related_occupations') }}
),

renamed as (
    select
        onetsoc_code,
        related_onetsoc_code,
        relatedness_tier,
        related_index,
        _onet_release as onet_release,
        _load_id as load_id,
        _line as source_line,
        _source_file as source_file
    from source
)

select * from renamed
