with

source as (
    select * from {{ source('onet', 'job_zone_reference') }}
),

renamed as (
    select
        job_zone,
        name as job_zone_name,
        experience,
        education,
        job_training,
        examples,
        svp_range,
        _onet_release as onet_release,
        _load_id as load_id,
        _line as source_line,
        _source_file as source_file
    from source
)

select * from renamed
