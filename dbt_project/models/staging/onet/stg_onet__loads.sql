with

source as (
    select * from {{ source('onet', 'load_history') }}
),

renamed as (
    select
        load_id,
        onet_release,
        source as release_source,
        status,
        started_at,
        finished_at,
        message,
        forced = 1 as is_forced
    from source
)

select * from renamed
