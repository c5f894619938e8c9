with

source as (
    {{ select_from_llm_store('model_calls', {
        'call_id': 'unsigned',
        'kind': 'char(20)',
        'onetsoc_code': 'char(10)',
        'target_code': 'char(10)',
        'onet_release': 'char(10)',
        'model': 'char(100)',
        'prompt_version': 'char(20)',
        'attempt': 'unsigned',
        'status': 'char(20)',
        'error_code': 'char(40)',
        'prompt_tokens': 'unsigned',
        'output_tokens': 'unsigned',
        'total_tokens': 'unsigned',
        'latency_ms': 'unsigned',
        'created_at': 'datetime(3)',
    }) }}
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
