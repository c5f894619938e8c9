{{ stage_ratings('skills') }}
