{% test within_scale_range(model, column_name, scale_column=none, scale=none) %}
{#-
    Values outside their scale's minimum and maximum, read from O*NET's Scales Reference. The
    scale is named per row by `scale_column`, or fixed by `scale` (e.g. 'LV'). A scale missing from
    the reference fails too. NULL values pass (not_null tests them).
-#}
{%- if (scale_column is none) == (scale is none) -%}
    {{ exceptions.raise_compiler_error('within_scale_range: give exactly one of scale_column and scale') }}
{%- endif -%}
select
    tested.{{ column_name }} as value,
    {{ 'tested.' ~ scale_column if scale_column else "'" ~ scale ~ "'" }} as scale_id,
    scales.minimum,
    scales.maximum
from {{ model }} as tested
left join {{ source('onet', 'scales_reference') }} as scales
    on scales.scale_id = {{ 'tested.' ~ scale_column if scale_column else "'" ~ scale ~ "'" }}
where
    tested.{{ column_name }} is not null
    and (
        scales.scale_id is null
        or tested.{{ column_name }} < scales.minimum
        or tested.{{ column_name }} > scales.maximum
    )
{% endtest %}
