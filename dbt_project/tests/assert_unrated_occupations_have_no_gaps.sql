-- No occupation without ratings in a domain (no row in that domain's ratings file, and none from
-- O*NET Web Services in the service's store) appears in that domain's gaps, as source or as target.
-- "Without ratings" is read from the staged files and store, not from the marts under test.
with

occupations as (
    select * from {{ ref('stg_onet__occupations') }}
),

unrated as (
    {% for domain, ratings_model in rating_domains().items() %}
    select
        occupations.onetsoc_code,
        '{{ domain }}' as domain
    from occupations
    where
        not exists (
            select 1 from {{ ref(ratings_model) }} as ratings
            where ratings.onetsoc_code = occupations.onetsoc_code
        )
        and not exists (
            select 1 from {{ ref('stg_onet_api__ratings') }} as api_ratings
            where
                api_ratings.onetsoc_code = occupations.onetsoc_code
                and api_ratings.domain = '{{ domain }}'
        )
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

{% for gap_model in ['skill_gap', 'skill_gap_by_level'] %}
{% for side in ['from_code', 'to_code'] %}
select
    '{{ gap_model }}' as gap_model,
    '{{ side }}' as side,
    unrated.onetsoc_code,
    unrated.domain
from unrated
where
    exists (
        select 1 from {{ ref(gap_model) }} as gap
        where
            gap.{{ side }} = unrated.onetsoc_code
            and gap.domain = unrated.domain
    )
{% if not loop.last %}union all{% endif %}
{% endfor %}
{% if not loop.last %}union all{% endif %}
{% endfor %}
