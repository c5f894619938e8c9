with

source as (
    select * from {{ source('onet', 'content_model_reference') }}
),

renamed as (
    select
        element_id,
        element_name,
        description as element_description,
        _onet_release as onet_release,
        _load_id as load_id,
        _line as source_line,
        _source_file as source_file
    from source
)

select * from renamed
