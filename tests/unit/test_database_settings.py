"""The MYSQL_* settings read in one place: defaults, overrides, clear errors, and profiles.yml and .env.example
agreeing with them."""

from __future__ import annotations

from collections.abc import Mapping

import jinja2
import pytest
import yaml

from database_settings import DatabaseSettings
from loader import cli
from loader.config import Settings
from service.config import ServiceConfig
from tests.conftest import REPO

OVERRIDES = {
    "MYSQL_HOST": "db.example.org",
    "MYSQL_PORT": "3307",
    "MYSQL_USER": "onet_reader",
    "MYSQL_PASSWORD": "s3cret",
    "MYSQL_DATABASE": "skills",
    "MYSQL_CONNECT_TIMEOUT": "5",
    "MYSQL_READ_TIMEOUT": "30",
}
OVERRIDDEN = DatabaseSettings(
    host="db.example.org",
    port=3307,
    user="onet_reader",
    password="s3cret",
    database="skills",
    connect_timeout=5,
    read_timeout=30,
)


def test_unset_variables_give_the_defaults():
    assert DatabaseSettings.from_env({}) == DatabaseSettings(
        host="127.0.0.1", port=3306, user="root", password="", database="onet", connect_timeout=2, read_timeout=10
    )


def test_each_variable_overrides_its_default():
    assert DatabaseSettings.from_env(OVERRIDES) == OVERRIDDEN


def test_without_a_mapping_the_process_environment_is_read(monkeypatch):
    monkeypatch.setenv("MYSQL_PORT", "3310")
    assert DatabaseSettings.from_env().port == 3310


@pytest.mark.parametrize("value", ["abc", "", "0", "-1", "65536", "33.06"])
def test_a_bad_port_is_an_error_naming_the_variable_and_the_value(value):
    with pytest.raises(ValueError) as error:
        DatabaseSettings.from_env({"MYSQL_PORT": value})
    assert str(error.value) == f"MYSQL_PORT must be a whole number from 1 to 65535, not {value!r}"


@pytest.mark.parametrize("variable", ["MYSQL_CONNECT_TIMEOUT", "MYSQL_READ_TIMEOUT"])
@pytest.mark.parametrize("value", ["soon", "0"])
def test_a_bad_timeout_is_an_error_naming_the_variable_and_the_value(variable, value):
    with pytest.raises(ValueError) as error:
        DatabaseSettings.from_env({variable: value})
    assert str(error.value) == f"{variable} must be a whole number from 1 to 31536000, not {value!r}"


def test_the_password_stays_out_of_repr():
    assert "s3cret" not in repr(DatabaseSettings.from_env(OVERRIDES))
    assert "s3cret" not in repr(Settings.from_env(OVERRIDES))
    assert "s3cret" not in repr(ServiceConfig.from_env(OVERRIDES))


def _server(config) -> tuple:
    """What `config` says of the server, the account and the base database."""
    return (config.host, config.port, config.user, config.password, config.database)


def test_the_loader_takes_its_database_settings_from_them():
    assert _server(Settings.from_env(OVERRIDES)) == _server(OVERRIDDEN)


def test_the_service_takes_its_database_settings_from_them():
    config = ServiceConfig.from_env(OVERRIDES)
    assert _server(config) == _server(OVERRIDDEN)
    assert (config.connect_timeout, config.read_timeout) == (5, 30)


def test_a_service_config_built_in_code_has_the_same_defaults():
    config, defaults = ServiceConfig(), DatabaseSettings()
    assert _server(config) == _server(defaults)
    assert (config.connect_timeout, config.read_timeout) == (defaults.connect_timeout, defaults.read_timeout)


def test_the_loader_and_the_service_report_a_bad_port_as_the_settings_do():
    for read in (Settings.from_env, ServiceConfig.from_env):
        with pytest.raises(ValueError) as error:
            read({"MYSQL_PORT": "x"})
        assert str(error.value) == "MYSQL_PORT must be a whole number from 1 to 65535, not 'x'"


def test_the_load_command_reports_a_bad_port_in_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MYSQL_PORT", "x")
    assert cli.main(["load", str(tmp_path)]) == 1
    assert capsys.readouterr().err == "error: MYSQL_PORT must be a whole number from 1 to 65535, not 'x'\n"


def _env_example() -> dict[str, str]:
    lines = (REPO / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.startswith("MYSQL_"))


def test_env_example_lists_every_variable_with_its_default():
    example = _env_example()
    assert sorted(example) == sorted(OVERRIDES)
    assert DatabaseSettings.from_env(example) == DatabaseSettings()


def _profile_outputs(env: Mapping[str, str]) -> dict[str, dict]:
    """Each target of profiles.yml with its values rendered as dbt renders them against `env`."""

    def env_var(name: str, default: str | None = None) -> str:
        if name in env:
            return env[name]
        if default is None:
            raise KeyError(f"profiles.yml reads {name}, which has no default and is unset")
        return default

    jinja = jinja2.Environment(undefined=jinja2.StrictUndefined)
    jinja.globals["env_var"] = env_var
    jinja.filters["as_number"] = int
    outputs = yaml.safe_load((REPO / "profiles.yml").read_text())["onet_skillgap"]["outputs"]
    return {
        target: {
            key: jinja.from_string(value).render() if isinstance(value, str) else value for key, value in output.items()
        }
        for target, output in outputs.items()
    }


@pytest.mark.parametrize("env", [{}, OVERRIDES], ids=["unset", "set"])
def test_profiles_yml_reads_the_same_variables_with_the_same_defaults(env):
    settings = DatabaseSettings.from_env(env)
    expected = {
        "server": settings.host,
        "port": str(settings.port),
        "username": settings.user,
        "password": settings.password,
        "schema": f"{settings.database}_build",
    }
    outputs = _profile_outputs(env)
    assert sorted(outputs) == ["mariadb", "mysql8"]
    for target, output in outputs.items():
        assert {key: output[key] for key in expected} == expected, target
