with

source as (
    {{ select_from_llm_store('skill_assessments', {
        'call_id': 'unsigned',
        'onetsoc_code': 'char(10)',
        'element_id': 'char(20)',
        'level': 'decimal(4, 2)',
        'justification': 'char',
    }) }}
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
