-- A correlation lies in [-1, 1] and a mean absolute difference in [0, 7] (the LV scale's width).
select
    model,
    prompt_version,
    mean_absolute_difference,
    pearson_r
from {{ ref('llm_level_agreement') }}
where
    pearson_r not between -1 and 1
    or mean_absolute_difference not between 0 and 7
