{{ config(post_hook="alter table {{ this }} add primary key (onetsoc_code)") }}

with

occupations as (
    select * from {{ ref('stg_onet__occupations') }}
),

occupation_job_zones as (
    select * from {{ ref('stg_onet__occupation_job_zones') }}
),

job_zones as (
    select * from {{ ref('stg_onet__job_zones') }}
),

major_groups as (
    select * from {{ ref('soc_major_groups') }}
),

ratings as (
    select * from {{ ref('int_occupation_ratings_pivoted') }}
),

rated_domains as (
    select
        onetsoc_code,
        {%- for domain in rating_domains() %}
        max(domain = '{{ domain }}') as has_{{ domain }},
        {%- endfor %}
        count(distinct domain) as rated_domain_count
    from ratings
    group by onetsoc_code
),

final as (
    select
        occupations.onetsoc_code,
        occupations.title,
        occupations.description,
        major_groups.major_group_code,
        major_groups.major_group_name,
        occupation_job_zones.job_zone,
        job_zones.job_zone_name,
        occupations.onet_release,
        {%- for domain in rating_domains() %}
        coalesce(rated_domains.has_{{ domain }}, false) as has_{{ domain }},
        {%- endfor %}
        coalesce(rated_domains.rated_domain_count, 0) as rated_domain_count
    from occupations
    left join major_groups
        on left(occupations.onetsoc_code, 2) = major_groups.major_group_code
    left join occupation_job_zones
        on occupations.onetsoc_code = occupation_job_zones.onetsoc_code
    left join job_zones
        on occupation_job_zones.job_zone = job_zones.job_zone
    left join rated_domains
        on occupations.onetsoc_code = rated_domains.onetsoc_code
)

select * from final
