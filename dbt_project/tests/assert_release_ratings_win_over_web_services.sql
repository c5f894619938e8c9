-- Where the release rates an occupation in a domain, fct_occupation_ratings_combined has the
-- release's rows for it and none from O*NET Web Services: every released row is there unchanged
-- (same levels, importance, flags, anchor), and no occupation and domain has rows from both sources.
with

released as (
    select * from {{ ref('fct_occupation_ratings') }}
),

combined as (
    select * from {{ ref('fct_occupation_ratings_combined') }}
),

missing_or_changed as (
    select
        released.onetsoc_code,
        released.domain,
        released.element_id,
        'release row missing or changed' as problem
    from released
    left join combined
        on
            released.onetsoc_code = combined.onetsoc_code
            and released.domain = combined.domain
            and released.element_id = combined.element_id
            and combined.source = 'onet_release'
    where
        combined.onetsoc_code is null
        or not (combined.effective_level <=> released.effective_level)
        or not (combined.importance <=> released.importance)
        or not (combined.recommend_suppress <=> released.recommend_suppress)
        or not (combined.level_anchor <=> released.level_anchor)
),

mixed as (
    select
        onetsoc_code,
        domain,
        null as element_id,
        'rows from both sources' as problem
    from combined
    group by
        onetsoc_code,
        domain
    having count(distinct source) > 1
)

select * from missing_or_changed
union all
select * from mixed
