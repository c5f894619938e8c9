{{ config(materialized='view') }}
{#-
    The ratings the gap views read: the release's (fct_occupation_ratings) and, for occupations the
    release has no ratings for in a domain, those the service fetched from O*NET Web Services (the
    `<db>_api` store, read live: a stored fetch is here at once, without a rebuild). The release
    wins: the store is only looked at where the release has no row.

    One select over every occupation and element of the release, without UNION, GROUP BY or
    DISTINCT, so the database merges this view (and the gap views over it) into the query: a pair
    is primary-key lookups per element on both sides, whether the codes are constants or come from
    a join (docs/dbt.md). The store's table is named directly (a published view reads published
    models and live sources only, not a staging view in the build database); while it does not
    exist, a derived table of no rows stands in (hence the noqa). The release's rows are complete (every element of a rated domain), so a
    missing release row means the release does not rate the occupation in that domain.
-#}
{%- set api_ratings = service_store_relation('onet_api', 'ratings') %}
{%- set api_effective_level = effective_level('api_level.data_value', y_n_flag('api_level.not_relevant')) %}
select
    occupation.onetsoc_code,
    rated_element.domain,
    rated_element.element_id,
    rated_element.name as element_name,
    coalesce(file_rating.importance, api_importance.data_value) as importance,
    coalesce(file_rating.importance_n, api_importance.n) as importance_n,
    coalesce(file_rating.importance_se, api_importance.standard_error) as importance_se,
    coalesce(file_rating.level, api_level.data_value) as level,
    coalesce(file_rating.level_n, api_level.n) as level_n,
    coalesce(file_rating.level_se, api_level.standard_error) as level_se,
    coalesce(
        file_rating.recommend_suppress,
        {{ y_n_flag('api_importance.recommend_suppress') }} or {{ y_n_flag('api_level.recommend_suppress') }},
        false
    ) as recommend_suppress,
    coalesce(file_rating.not_relevant, {{ y_n_flag('api_level.not_relevant') }}, false) as not_relevant,
    coalesce(
        file_rating.effective_level,
        {{ api_effective_level }}
    ) as effective_level,
    case
        when file_rating.onetsoc_code is not null then file_rating.level_anchor
        else api_anchor.anchor_description
    end as level_anchor,
    case when file_rating.onetsoc_code is not null then 'onet_release' else 'onet_web_services' end as source
from {{ ref('dim_occupations') }} as occupation
cross join {{ ref('dim_elements') }} as rated_element
left join {{ ref('fct_occupation_ratings') }} as file_rating
    on
        occupation.onetsoc_code = file_rating.onetsoc_code
        and rated_element.domain = file_rating.domain
        and rated_element.element_id = file_rating.element_id
-- The store's importance and level rows (one per scale), looked up only where the release has no
-- row: one primary-key lookup each.
left join {{ api_ratings }} as api_importance  -- noqa: ST05
    on
        file_rating.onetsoc_code is null
        and occupation.onetsoc_code = api_importance.onetsoc_code
        and rated_element.domain = api_importance.domain
        and rated_element.element_id = api_importance.element_id
        and api_importance.scale_id = 'IM'
left join {{ api_ratings }} as api_level  -- noqa: ST05
    on
        file_rating.onetsoc_code is null
        and occupation.onetsoc_code = api_level.onetsoc_code
        and rated_element.domain = api_level.domain
        and rated_element.element_id = api_level.element_id
        and api_level.scale_id = 'LV'
left join {{ ref('dim_level_anchors') }} as api_anchor
    on
        file_rating.onetsoc_code is null
        and rated_element.element_id = api_anchor.element_id
        and {{ is_nearest_anchor(api_effective_level, 'api_anchor') }}
where
    file_rating.onetsoc_code is not null
    -- An occupation and domain the release does not rate: there when the store rates it (then
    -- every element of the domain is, those without a stored row at effective level 0).
    or exists (
        select 1 from {{ api_ratings }} as api_rated
        where
            api_rated.onetsoc_code = occupation.onetsoc_code
            and api_rated.domain = rated_element.domain
    )
