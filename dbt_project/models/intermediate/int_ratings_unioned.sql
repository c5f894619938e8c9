{#- The four ratings files as one relation, each row tagged with its domain. -#}
with

{% for domain, model in rating_domains().items() %}
{{ domain }} as (
    select * from {{ ref(model) }}
),

{% endfor %}
unioned as (
    {% for domain in rating_domains() %}
    select
        '{{ domain }}' as domain,
        onetsoc_code,
        element_id,
        scale_id,
        data_value,
        n,
        standard_error,
        recommend_suppress,
        not_relevant
    from {{ domain }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from unioned
