with

source as (
    {{ select_from_service_store('llm', 'skill_assessments') }}
),

renamed as (
    select
        call_id,
        onetsoc_code,
        element_id,
        level as llm_level,
        justification
    from source
)

select * from renamed
