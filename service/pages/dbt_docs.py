"""The dbt docs site (the static files of the last `dbt docs generate`) at /dbt-docs/, so people
browsing the schema need no second process."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, send_from_directory

from service.api.errors import fail

# What `dbt docs generate` writes that the site reads; nothing else in the target folder is served.
SITE_FILES = ("index.html", "manifest.json", "catalog.json")


def blueprint(target_dir: Path) -> Blueprint:
    blp = Blueprint("dbt_docs", __name__)

    @blp.get("/dbt-docs")
    def site_root():
        return redirect("/dbt-docs/", code=308)

    @blp.get("/dbt-docs/", defaults={"name": "index.html"})
    @blp.get("/dbt-docs/<name>")
    def site_file(name: str):
        if name not in SITE_FILES:
            fail(404, "not_found", f"No file {name} in the dbt docs site", path=f"/dbt-docs/{name}")
        if not (target_dir / name).is_file():
            fail(
                404,
                "docs_not_generated",
                "The dbt docs site has not been generated: run `make docs` (dbt docs generate).",
                file=name,
            )
        return send_from_directory(target_dir, name, max_age=60)

    return blp
