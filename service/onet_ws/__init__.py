"""O*NET Web Services: the client, the `<db>_api` store of its ratings, and fetching the ratings a
release lacks."""
