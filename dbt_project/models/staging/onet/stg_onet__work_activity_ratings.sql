{{ stage_ratings('work_activities') }}
