-- For every pair among a sample of occupations (every 40th by code, those listing no software
-- included), technology_gap lists exactly the target's categories that the source does not list,
-- counted here from the staging rows rather than the marts: the same number of categories and the
-- same checksum of their ids. Rows: the pairs where either differs. Correlated lookups per pair,
-- as the service asks; joins of the sample with derived tables took 10 s.
with

sampled as (
    select onetsoc_code
    from (
        select
            onetsoc_code,
            row_number() over (order by onetsoc_code) as position
        from {{ ref('dim_occupations') }}
    ) as numbered
    where mod(position, 40) = 1
),

pairs as (
    select
        source_occupation.onetsoc_code as from_code,
        target_occupation.onetsoc_code as to_code
    from sampled as source_occupation
    cross join sampled as target_occupation
),

{%- set lacked = "from " ~ ref('stg_onet__technology_skills') ~ " as target_technology
        where
            target_technology.onetsoc_code = pairs.to_code
            and target_technology.category_id not in (
                select source_technology.category_id
                from " ~ ref('stg_onet__technology_skills') ~ " as source_technology
                where source_technology.onetsoc_code = pairs.from_code
            )" %}
{%- set listed = "from " ~ ref('technology_gap') ~ " as gap
        where gap.from_code = pairs.from_code and gap.to_code = pairs.to_code" %}

counted as (
    select
        pairs.from_code,
        pairs.to_code,
        (select count(distinct target_technology.category_id) {{ lacked }}) as expected_categories,
        (select count(distinct gap.category_id) {{ listed }}) as listed_categories,
        (
            select coalesce(sum(distinct crc32(target_technology.category_id)), 0) {{ lacked }}
        ) as expected_checksum,
        (select coalesce(sum(distinct crc32(gap.category_id)), 0) {{ listed }}) as listed_checksum
    from pairs
)

select * from counted
where
    expected_categories <> listed_categories
    or expected_checksum <> listed_checksum
