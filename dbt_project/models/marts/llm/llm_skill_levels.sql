{#- The model's level of each skill next to O*NET's: the latest valid assessment of each occupation
    per model and prompt version, on the release being built. -#}
with

calls as (
    select * from {{ ref('stg_llm__model_calls') }}
),

assessed_levels as (
    select * from {{ ref('stg_llm__skill_assessments') }}
),

ratings as (
    select * from {{ ref('fct_occupation_ratings') }}
),

releases as (
    select * from {{ ref('release_info') }}
),

latest_assessments as (
    select
        calls.model,
        calls.prompt_version,
        calls.onetsoc_code,
        max(calls.call_id) as call_id
    from calls
    inner join releases
        on calls.onet_release = releases.onet_release
    where
        calls.kind = 'assessment'
        and calls.status = 'valid'
    group by
        calls.model,
        calls.prompt_version,
        calls.onetsoc_code
),

final as (
    select
        latest_assessments.model,
        latest_assessments.prompt_version,
        latest_assessments.onetsoc_code,
        assessed_levels.element_id,
        ratings.element_name as name,
        assessed_levels.llm_level,
        ratings.effective_level as onet_level,
        cast(assessed_levels.llm_level - ratings.effective_level as decimal(5, 2)) as difference,
        cast(abs(assessed_levels.llm_level - ratings.effective_level) as decimal(5, 2)) as absolute_difference,
        ratings.importance as onet_importance,
        assessed_levels.justification,
        latest_assessments.call_id,
        calls.called_at as assessed_at
    from latest_assessments
    inner join calls
        on latest_assessments.call_id = calls.call_id
    inner join assessed_levels
        on latest_assessments.call_id = assessed_levels.call_id
    inner join ratings
        on
            assessed_levels.onetsoc_code = ratings.onetsoc_code
            and assessed_levels.element_id = ratings.element_id
            and ratings.domain = 'skills'
)

select * from final
