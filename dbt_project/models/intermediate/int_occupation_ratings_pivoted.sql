{#-
    Importance (IM) and level (LV) of one occupation and element side by side. A table, not a
    view: three marts and a test read it, and the pivot over both files is the build's costliest step.
-#}
{{ config(
    materialized='table',
    post_hook="alter table {{ this }} add primary key (domain, onetsoc_code, element_id)"
) }}
with

ratings as (
    select * from {{ ref('int_ratings_unioned') }}
),

pivoted as (
    select
        domain,
        onetsoc_code,
        element_id,
        max(case when scale_id = 'IM' then data_value end) as importance,
        max(case when scale_id = 'IM' then n end) as importance_n,
        max(case when scale_id = 'IM' then standard_error end) as importance_se,
        max(case when scale_id = 'LV' then data_value end) as level,
        max(case when scale_id = 'LV' then n end) as level_n,
        max(case when scale_id = 'LV' then standard_error end) as level_se,
        max(case when scale_id = 'LV' then not_relevant end) as not_relevant,
        max(recommend_suppress) as recommend_suppress
    from ratings
    group by
        domain,
        onetsoc_code,
        element_id
)

select * from pivoted
