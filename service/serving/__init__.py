"""What each worker holds of a published build: reference data, the ratings as a gap index, the
transition ranking and the response cache, read whole and switched at once."""
