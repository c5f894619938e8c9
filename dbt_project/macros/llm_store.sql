{#-
    The tables the service writes, the LLM store (`<MYSQL_DATABASE>_llm`, written by the service
    and `flask llm-assess`) and the O*NET Web Services store (`<MYSQL_DATABASE>_api`), as their
    staging models read them.
-#}

{% macro select_from_service_store(source_name, table) %}
    {#- Every column of a table the service writes, or no rows of them while it does not exist. -#}
    select
        {%- for name in service_store_columns(source_name, table) %}
        store_table.{{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ service_store_relation(source_name, table) }} as store_table
{% endmacro %}

{% macro service_store_relation(source_name, table) %}
    {#-
        A table the service writes, or while it does not exist yet a derived table of no rows with
        the same columns: the service creates its store on first use, and a build must not depend
        on that having happened. The stand-in's types are the source's `data_type`s (the store's
        declaration in service/, which tests/unit/test_store_schemas.py holds them to); text takes
        the store's collation, or joins with the marts would fail.
    -#}
    {%- set relation = source(source_name, table) -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier) if execute else relation -%}
    {%- if found is none -%}
    (
        select
        {%- for name, column in service_store_columns(source_name, table).items() %}
            {{ service_store_null(column.data_type) }} as {{ name }}
            {{- ',' if not loop.last }}
        {%- endfor %}
        from (select 1 as no_store) as empty_store
        where 1 = 0
    )
    {%- else -%}
    {{ relation }}
    {%- endif -%}
{% endmacro %}

{% macro service_store_columns(source_name, table) %}
    {#- The columns the source declares for a store table, in order (none while dbt parses). -#}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error('no source table ' ~ source_name ~ '.' ~ table) }}
    {%- endif -%}
    {{ return(node.columns) }}
{% endmacro %}

{% macro service_store_null(data_type) %}
    {#- A NULL of a store column's type, spelt as CAST takes it: integers as unsigned, text as char. -#}
    {%- set type = data_type | lower -%}
    {%- if type.endswith(' unsigned') -%}
        cast(null as unsigned)
    {%- elif type.startswith('char') or type.startswith('varchar') -%}
        cast(null as {{ type.replace('varchar', 'char') }}) collate utf8mb4_unicode_ci
    {%- elif type.endswith('text') -%}
        cast(null as char) collate utf8mb4_unicode_ci
    {%- else -%}
        cast(null as {{ type }})
    {%- endif -%}
{% endmacro %}
