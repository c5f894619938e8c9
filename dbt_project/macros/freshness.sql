{% macro mysql__collect_freshness(source, loaded_at_field, filter) %}
    {#-
        dbt's default compares the load time with current_timestamp(), which is in the session's
        time zone; the loader records UTC (UTC_TIMESTAMP), so compare with UTC too.
    -#}
    {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
        select
            max({{ loaded_at_field }}) as max_loaded_at,
            utc_timestamp() as snapshotted_at
        from {{ source }}
        {% if filter %}
        where {{ filter }}
        {% endif %}
    {%- endcall %}
    {{ return(load_result('collect_freshness')) }}
{% endmacro %}
