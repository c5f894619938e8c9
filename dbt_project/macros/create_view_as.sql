{% macro mysql__create_view_as(relation, sql) -%}
    {#-
        dbt's default wraps the query in parentheses, which MariaDB rejects when the query starts
        with a CTE (`create view v as (with ...)`): MySQL 8 and MariaDB both take it bare.
    -#}
    {%- set sql_header = config.get('sql_header', none) -%}
    {{ sql_header if sql_header is not none }}
    create view {{ relation }} as
    {{ sql }}
{%- endmacro %}
