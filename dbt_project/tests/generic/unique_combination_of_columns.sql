{% test unique_combination_of_columns(model, combination_of_columns) %}
{#- Rows sharing the same values of all `combination_of_columns` (a composite key). -#}
select
    {{ combination_of_columns | join(',\n    ') }},
    count(*) as duplicates
from {{ model }}
group by
    {{ combination_of_columns | join(',\n    ') }}
having count(*) > 1
{% endtest %}
