{#- The O*NET Web Services store (`<MYSQL_DATABASE>_api`, written by the service): its staged rows. -#}

{% macro stage_api_ratings() %}
{#-
    The store's rating rows, typed like the release's staged ratings files (Y/N flags as 1/0): the
    body of stg_onet_api__ratings.
-#}
select
    api_ratings.onetsoc_code,
    api_ratings.domain,
    api_ratings.element_id,
    api_ratings.element_name,
    api_ratings.scale_id,
    api_ratings.data_value,
    api_ratings.n,
    api_ratings.standard_error,
    api_ratings.lower_ci_bound,
    api_ratings.upper_ci_bound,
    {{ y_n_flag('api_ratings.recommend_suppress') }} as recommend_suppress,
    {{ y_n_flag('api_ratings.not_relevant') }} as not_relevant,
    api_ratings.date_updated,
    api_ratings.domain_source,
    api_ratings.fetch_id
from {{ service_store_relation('onet_api', 'ratings') }} as api_ratings
{% endmacro %}
