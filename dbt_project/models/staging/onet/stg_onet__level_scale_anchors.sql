with

source as (
    select * from {{ source('onet', 'level_scale_anchors') }}
),

renamed as (
    select
        element_id,
        element_name,
        scale_id,
        anchor_value,
        anchor_description,
        _onet_release as onet_release,
        _load_id as load_id,
        _line as source_line,
        _source_file as source_file
    from source
)

select * from renamed
