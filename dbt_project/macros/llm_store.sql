{% macro select_from_llm_store(table, columns) %}
    {#-
        The LLM store's table (`<MYSQL_DATABASE>_llm`, written by the service and `flask llm-assess`),
        or no rows with the same columns while the store does not exist yet: it is created on the
        first model call, and a build must not depend on one having been made.
        `columns` maps each column to the type of its empty stand-in; text takes the store's collation,
        or joins with the marts would fail.
    -#}
    {%- set relation = source('llm', table) -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier) if execute else relation -%}
    {%- if found is none %}
    select
        {%- for name, type in columns.items() %}
        cast(null as {{ type }}){{ ' collate utf8mb4_unicode_ci' if type.startswith('char') }} as {{ name }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from (select 1 as no_store) as empty_store
    where 1 = 0
    {%- else %}
    select
        {%- for name in columns %}
        {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {%- endif %}
{% endmacro %}
