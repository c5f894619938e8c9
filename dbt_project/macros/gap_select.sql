{% macro gap_select(condition) %}
{#-
    The body of both gap views: one row per element of a domain where `condition` holds between
    the source's rating (`source_rating`) and the target's (`target_rating`), read from the
    combined ratings (the release's, and O*NET Web Services' for occupations the release does not
    rate). The relation is joined to itself directly, without CTEs, so the view stays mergeable and
    a query for one pair (`where from_code = ... and to_code = ...`) pushes both codes and the
    domain down to primary-key lookups (docs/dbt.md).
-#}
select
    source_rating.onetsoc_code as from_code,
    target_rating.onetsoc_code as to_code,
    target_rating.domain,
    target_rating.element_id,
    target_rating.element_name as name,
    source_rating.effective_level as from_level,
    target_rating.effective_level as to_level,
    cast(target_rating.effective_level - source_rating.effective_level as decimal(5, 2)) as difference,
    target_rating.importance,
    greatest(source_rating.recommend_suppress, target_rating.recommend_suppress) as suppressed,
    source_rating.level_anchor as from_anchor,
    target_rating.level_anchor as to_anchor,
    source_rating.source as from_source,
    target_rating.source as to_source
from {{ ref('fct_occupation_ratings_combined') }} as source_rating
inner join {{ ref('fct_occupation_ratings_combined') }} as target_rating
    on
        source_rating.domain = target_rating.domain
        and source_rating.element_id = target_rating.element_id
where {{ condition }}
{% endmacro %}
