with

source as (
    select * from {{ source('onet', 'scales_reference') }}
),

renamed as (
    select
        scale_id,
        scale_name,
        minimum as scale_min,
        maximum as scale_max,
        _onet_release as onet_release,
        _load_id as load_id,
        _line as source_line,
        _source_file as source_file
    from source
)

select * from renamed
