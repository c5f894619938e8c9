with

source as (
    select * from {{ source('onet', 'technology_skills') }}
),

renamed as (
    select
        onetsoc_code,
        example,
        category_id,
        category_name,
        layout as source_layout,
        _onet_release as onet_release,
        _load_id as load_id,
        _line as source_line,
        _source_file as source_file,
        hot_technology = 'Y' as is_hot_technology,
        in_demand = 'Y' as is_in_demand
    from source
)

select * from renamed
