with

source as (
    select * from {{ source('onet', 'occupation_data') }}
),

renamed as (
    select
        onetsoc_code,
        title,
        description,
        _onet_release as onet_release,
        _load_id as load_id,
        _line as source_line,
        _source_file as source_file
    from source
)

select * from renamed
