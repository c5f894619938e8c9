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
        _line as source_line
    from source
)

select * from renamed
