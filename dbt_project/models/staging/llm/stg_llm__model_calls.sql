with

source as (
    {{ select_from_service_store('llm', 'model_calls') }}
),

renamed as (
    select
        call_id,
        kind,
        onetsoc_code,
        target_code,
        onet_release,
        model,
        prompt_version,
        attempt,
        status,
        error_code,
        prompt_tokens,
        output_tokens,
        total_tokens,
        latency_ms,
        created_at as called_at
    from source
)

select * from renamed
