with

source as (
    select * from {{ source('onet', 'alternate_titles') }}
),

renamed as (
    select
        onetsoc_code,
        alternate_title,
        short_title,
        sources,
        _onet_release as onet_release,
        _load_id as load_id,
        _line as source_line,
        _source_file as source_file
    from source
)

select * from renamed
