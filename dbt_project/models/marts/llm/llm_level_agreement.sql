{#- How closely the model's levels follow O*NET's, per model and prompt version. Neither MySQL nor
    MariaDB has CORR(): Pearson's r comes from the sums,
    r = (n*Sxy - Sx*Sy) / sqrt((n*Sxx - Sx^2) * (n*Syy - Sy^2)), NULL when either side is constant. -#}
with

levels as (
    select * from {{ ref('llm_skill_levels') }}
),

sums as (
    select
        model,
        prompt_version,
        count(distinct onetsoc_code) as occupation_count,
        count(*) as n,
        -- Exact DECIMAL sums: a constant side gives a variance of exactly 0, not a rounding residue.
        sum(llm_level) as sum_x,
        sum(onet_level) as sum_y,
        sum(llm_level * llm_level) as sum_xx,
        sum(onet_level * onet_level) as sum_yy,
        sum(llm_level * onet_level) as sum_xy,
        avg(absolute_difference) as mean_absolute_difference,
        avg(difference) as mean_difference
    from levels
    group by
        model,
        prompt_version
),

final as (
    select
        model,
        prompt_version,
        occupation_count,
        n as rating_count,
        round(mean_absolute_difference, 4) as mean_absolute_difference,
        round(mean_difference, 4) as mean_difference,
        round(
            (n * sum_xy - sum_x * sum_y)
            / nullif(sqrt((n * sum_xx - sum_x * sum_x) * (n * sum_yy - sum_y * sum_y)), 0),
            4
        ) as pearson_r
    from sums
)

select * from final
