with

source as (
    {{ select_from_service_store('onet_api', 'fetches') }}
),

renamed as (
    select
        fetch_id,
        onetsoc_code,
        fetched_at,
        base_url,
        onet_version as web_services_onet_version,
        skills_rows as skills_row_count,
        knowledge_rows as knowledge_row_count
    from source
)

select * from renamed
