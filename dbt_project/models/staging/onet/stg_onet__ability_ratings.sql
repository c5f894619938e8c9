{{ stage_ratings('abilities') }}
