-- Every skill_gap row is an element the target has (level above 0) and the source lacks (level 0).
{{ gap_rows_breaking(
    'skill_gap',
    'gap.from_level = 0 and gap.to_level > 0 and gap.difference = gap.to_level'
) }}
