{{ config(post_hook="alter table {{ this }} add primary key (onetsoc_code, category_id, example)") }}
{#-
    One row per occupation and software example, in its category, with the occupation's counts
    for that category beside it, so that technology_gap stays a plain join (mergeable: a pair is
    primary-key lookups). No rows when the release ships no technology file.
-#}

with

technology as (
    select * from {{ ref('stg_onet__technology_skills') }}
),

category_counts as (
    select
        onetsoc_code,
        category_id,
        count(*) as category_example_count,
        sum(is_hot_technology) as category_hot_count,
        sum(is_in_demand) as category_in_demand_count
    from technology
    group by onetsoc_code, category_id
),

final as (
    select
        technology.onetsoc_code,
        technology.category_id,
        technology.category_name,
        technology.example,
        technology.is_hot_technology,
        technology.is_in_demand,
        category_counts.category_example_count,
        category_counts.category_hot_count,
        category_counts.category_in_demand_count,
        technology.onet_release
    from technology
    inner join category_counts
        on
            technology.onetsoc_code = category_counts.onetsoc_code
            and technology.category_id = category_counts.category_id
)

select * from final
