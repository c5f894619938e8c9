{#- A view over the bench's table; an empty one with the same columns while the table is absent. -#}
{{ config(materialized='view') }}

{%- set figures_table = source('bench', 'transition_recall') -%}
{%- set measured = load_relation(figures_table) if execute else none -%}

{%- if measured is none %}

select
    cast(null as char(10)) as onetsoc_code,
    cast(null as char(150)) as title,
    cast(null as char(5)) as half,
    cast(null as signed) as truth_count,
    cast(null as signed) as primary_short_count,
    cast(null as signed) as first_hit_rank,
    cast(null as signed) as baseline_first_hit_rank,
    cast(null as char(10)) as onet_release,
    cast(null as datetime) as measured_at,
    cast(null as decimal(7, 4)) as recall_at_10,
    cast(null as decimal(7, 4)) as recall_at_20,
    cast(null as decimal(7, 4)) as primary_short_recall_at_10,
    cast(null as decimal(7, 4)) as reciprocal_rank,
    cast(null as decimal(7, 4)) as baseline_recall_at_10,
    cast(null as decimal(7, 4)) as baseline_recall_at_20,
    cast(null as decimal(7, 4)) as baseline_primary_short_recall_at_10,
    cast(null as decimal(7, 4)) as baseline_reciprocal_rank
where 1 = 0

{%- else %}

with

figures as (
    select * from {{ figures_table }}
),

final as (
    select
        onetsoc_code,
        title,
        half,
        truth_count,
        primary_short_count,
        first_hit_rank,
        baseline_first_hit_rank,
        onet_release,
        measured_at,
        hits_at_10 / truth_count as recall_at_10,
        hits_at_20 / truth_count as recall_at_20,
        primary_short_hits_at_10 / nullif(primary_short_count, 0) as primary_short_recall_at_10,
        1 / first_hit_rank as reciprocal_rank,
        baseline_hits_at_10 / truth_count as baseline_recall_at_10,
        baseline_hits_at_20 / truth_count as baseline_recall_at_20,
        baseline_primary_short_hits_at_10 / nullif(primary_short_count, 0) as baseline_primary_short_recall_at_10,
        1 / baseline_first_hit_rank as baseline_reciprocal_rank
    from figures
)

select * from final

{%- endif %}
