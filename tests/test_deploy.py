"""What CI can check of the Docker deployment without a Docker engine.

The compose schema and the Dockerfile lint run in `make lint` (check-jsonschema, hadolint).
"""

from __future__ import annotations

import re
import shlex
import subprocess

import pathspec
import pytest
import yaml

from tests.conftest import REPO

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
DOCKERFILE = (REPO / "Dockerfile").read_text()


def _context_ignore() -> pathspec.PathSpec:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return pathspec.PathSpec.from_lines("gitwildmatch", lines)


def _build_context() -> list[str]:
    """Files docker would send: what is in the working tree (tracked or not ignored) minus .dockerignore."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO, capture_output=True, text=True
    ).stdout.splitlines()
    ignore = _context_ignore()
    return [path for path in listed if (REPO / path).exists() and not ignore.match_file(path)]


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.production",
        "data/onet/db_29_3_text/Skills.txt",
        ".venv/bin/python",
        "node_modules/redoc/x.js",
        "target/catalog.json",
        "loader/__pycache__/x.pyc",
        "db_29_3_text.zip",
    ],
)
def test_secrets_data_and_environments_stay_out_of_the_build_context(path):
    assert _context_ignore().match_file(path)


def test_build_context_holds_no_secret_data_or_virtualenv():
    context = _build_context()
    assert "Dockerfile" in context and "loader/pipeline.py" in context
    assert ".env.example" in context
    offending = [p for p in context if re.search(r"(^|/)\.env$|^data/|\.venv|node_modules|\.zip$", p)]
    assert offending == []


def test_every_path_the_dockerfile_copies_exists():
    copies = re.findall(r"^COPY (?!--from)(.+)$", DOCKERFILE, re.MULTILINE)
    assert copies
    for line in copies:
        *sources, _target = shlex.split(line)
        for source in sources:
            assert (REPO / source).exists(), f"Dockerfile copies {source}, which does not exist"


def test_image_is_multi_stage_pinned_and_not_root():
    bases = re.findall(r"^FROM (\S+)", DOCKERFILE, re.MULTILINE)
    assert len(bases) >= 2
    assert all(re.search(r":\d+\.\d+\.\d+", base) for base in bases), bases
    assert re.search(r"^USER (?!root|0\b)\S+", DOCKERFILE, re.MULTILINE)


def _command(service: str) -> list[str]:
    command = COMPOSE["services"][service]["command"]
    return shlex.split(command[2]) if command[:2] == ["sh", "-c"] else command


def test_every_service_command_exists_in_the_repository():
    assert (REPO / "loader" / "__main__.py").exists() and _command("loader")[:3] == ["python", "-m", "loader"]
    assert (REPO / "dbt_project.yml").exists() and (REPO / "profiles.yml").exists()
    assert {"build", "docs"} <= set(_command("dbt"))
    api = _command("api")
    assert api[0] == "gunicorn" and (REPO / api[api.index("-c") + 1]).exists()
    assert (REPO / "tests").is_dir() and "pytest" in _command("tests")


def test_services_start_in_pipeline_order():
    services = COMPOSE["services"]
    assert services["loader"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["dbt"]["depends_on"] == {"loader": {"condition": "service_completed_successfully"}}
    assert services["api"]["depends_on"] == {"dbt": {"condition": "service_completed_successfully"}}
    assert "/health/ready" in " ".join(services["api"]["healthcheck"]["test"])
    assert "--local-infile=1" in services["db"]["command"]
    assert services["tests"]["profiles"] == ["tests"]


def test_no_secret_is_written_into_the_compose_file_or_image():
    assert "ENV MYSQL_PASSWORD" not in DOCKERFILE and "GEMINI_API_KEY" not in DOCKERFILE
    for service in COMPOSE["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if "PASSWORD" in key or "KEY" in key:
                assert str(value).startswith("${"), f"{key} must come from .env"
