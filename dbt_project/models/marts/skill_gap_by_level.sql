{{ config(materialized='view') }}
{#- Elements whose effective level in the target exceeds the source's. -#}
{{ gap_select('target_rating.effective_level > source_rating.effective_level') }}
