"""The HTML pages: the compare page, the dbt docs site and the Swagger UI and ReDoc bundles."""
