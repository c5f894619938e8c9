with

source as (
    select * from {{ source('onet', 'job_zones') }}
),

renamed as (
    select
        onetsoc_code,
        job_zone,
        {{ month_to_date('date_updated') }} as date_updated,
        domain_source,
        _onet_release as onet_release,
        _load_id as load_id,
        _line as source_line,
        _source_file as source_file
    from source
)

select * from renamed
