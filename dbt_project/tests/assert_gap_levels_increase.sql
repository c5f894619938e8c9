-- Every skill_gap_by_level row has to_level > from_level, and difference = to_level - from_level.
{{ gap_rows_breaking(
    'skill_gap_by_level',
    'gap.to_level > gap.from_level and gap.difference = gap.to_level - gap.from_level'
) }}
