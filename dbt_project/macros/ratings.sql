{#- The four ratings files share one layout: one staging select, and the domain of each. -#}

{% macro rating_domains() %}
    {#- domain -> staging model of its ratings file; the `domain` values every model uses. -#}
    {{ return({
        'skills': 'stg_onet__skill_ratings',
        'knowledge': 'stg_onet__knowledge_ratings',
        'abilities': 'stg_onet__ability_ratings',
        'work_activities': 'stg_onet__work_activity_ratings',
    }) }}
{% endmacro %}

{% macro stage_ratings(source_table) %}
with

source as (
    select * from {{ source('onet', source_table) }}
),

renamed as (
    select
        onetsoc_code,
        element_id,
        element_name,
        scale_id,
        data_value,
        n,
        standard_error,
        lower_ci_bound,
        upper_ci_bound,
        {{ y_n_flag('recommend_suppress') }} as recommend_suppress,
        {{ y_n_flag('not_relevant') }} as not_relevant,
        {{ month_to_date('date_updated') }} as date_updated,
        domain_source,
        _onet_release as onet_release,
        _load_id as load_id,
        _line as source_line,
        _source_file as source_file
    from source
)

select * from renamed
{% endmacro %}

{% macro y_n_flag(column) -%}
    case {{ column }} when 'Y' then true when 'N' then false end
{%- endmacro %}

{% macro month_to_date(column) -%}
    {#- O*NET's `MM/YYYY` as the first day of that month. -#}
    str_to_date(concat('01/', {{ column }}), '%d/%m/%Y')
{%- endmacro %}

{% macro effective_level(level, not_relevant) -%}
    {#- The level the gap models compare: LV, or 0 where Not Relevant or without an LV rating. -#}
    cast(
        case
            when {{ level }} is null or {{ not_relevant }} then 0
            else {{ level }}
        end as decimal(5, 2)
    )
{%- endmacro %}

{% macro is_nearest_anchor(level, anchor) -%}
    {#- Whether `anchor` (a row of int_level_anchors_ranged / dim_level_anchors) is the one nearest
        to `level`; halfway between two anchors, the lower one. -#}
    ({{ level }} > {{ anchor }}.level_above or {{ anchor }}.level_above is null)
    and ({{ level }} <= {{ anchor }}.level_up_to or {{ anchor }}.level_up_to is null)
{%- endmacro %}
