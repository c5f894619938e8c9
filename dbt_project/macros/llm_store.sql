{% macro select_from_llm_store(table, columns) %}
    {#- The LLM store's table (`<MYSQL_DATABASE>_llm`, written by the service and `flask llm-assess`),
        or no rows while the store does not exist yet (see select_from_service_store). -#}
    {{ return(select_from_service_store('llm', table, columns)) }}
{% endmacro %}

{% macro select_from_service_store(source_name, table, columns) %}
    {#- The `columns` of a table the service writes, or no rows of them while it does not exist. -#}
    select
        {%- for name in columns %}
        store_table.{{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ service_store_relation(source_name, table, columns) }} as store_table
{% endmacro %}

{% macro service_store_relation(source_name, table, columns) %}
    {#-
        A table the service writes (the LLM store `<db>_llm`, the O*NET Web Services store
        `<db>_api`), or while it does not exist yet a derived table of no rows with the same
        columns: the service creates its store on first use, and a build must not depend on that
        having happened. `columns` maps each column to the type of its empty stand-in; text takes
        the store's collation, or joins with the marts would fail.
    -#}
    {%- set relation = source(source_name, table) -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier) if execute else relation -%}
    {%- if found is none -%}
    (
        select
        {%- for name, type in columns.items() %}
            cast(null as {{ type }}){{ ' collate utf8mb4_unicode_ci' if type.startswith('char') }} as {{ name }}
            {{- ',' if not loop.last }}
        {%- endfor %}
        from (select 1 as no_store) as empty_store
        where 1 = 0
    )
    {%- else -%}
    {{ relation }}
    {%- endif -%}
{% endmacro %}
