{{ config(materialized='view') }}
{#- Elements the target needs (effective level above 0) that the source lacks (0). -#}
{{ gap_select('target_rating.effective_level > 0 and source_rating.effective_level = 0') }}
