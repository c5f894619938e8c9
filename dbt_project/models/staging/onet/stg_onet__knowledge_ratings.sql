{{ stage_ratings('knowledge') }}
