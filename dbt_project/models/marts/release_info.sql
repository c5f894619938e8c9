{#- One row: what the service is serving. Published in the same RENAME as the other marts. -#}
with

occupations as (
    select * from {{ ref('stg_onet__occupations') }}
),

loads as (
    select * from {{ ref('stg_onet__loads') }}
),

landed as (
    select max(load_id) as load_id
    from occupations
),

final as (
    select
        loads.onet_release,
        loads.load_id,
        loads.finished_at as loaded_at,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as datetime) as built_at,
        '{{ invocation_id }}' as dbt_invocation_id
    from landed
    inner join loads
        on landed.load_id = loads.load_id
)

select * from final
