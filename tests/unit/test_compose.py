"""Docker is not available here: check the compose file against the code instead."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from shared.settings import Settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def _env_names() -> set[str]:
    names = {"REDIS_URL"}
    for name, field in Settings.model_fields.items():
        names.add(f"CLAIMWATCH_{name.upper()}")
        if field.validation_alias is not None:
            names.update(getattr(field.validation_alias, "choices", []))
    return names


def _app_services(compose: dict) -> dict:
    return {k: v for k, v in compose["services"].items() if k != "redis"}


def test_redis_is_persistent_and_healthchecked(compose: dict) -> None:
    redis = compose["services"]["redis"]
    assert redis["image"].startswith("redis:7")
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    assert redis["healthcheck"]["test"]


def test_every_service_waits_for_healthy_redis(compose: dict) -> None:
    for name, service in _app_services(compose).items():
        assert service["depends_on"]["redis"]["condition"] == "service_healthy", name


def test_every_command_names_a_real_entry_point(compose: dict) -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    for name, service in _app_services(compose).items():
        command = service["command"]
        if command[:2] == ["python", "-m"]:
            module = command[2]
            assert importlib.util.find_spec(f"{module}.__main__") is not None, (name, module)
        else:
            assert command[0] in scripts, (name, command)
        check = service.get("healthcheck", {}).get("test", [])
        if "claimwatch" in check:
            assert check[check.index("claimwatch") + 1] in {"health"}, name


def test_environment_matches_settings(compose: dict) -> None:
    known = _env_names()
    for name, service in _app_services(compose).items():
        for key in service.get("environment", {}):
            assert key in known, f"{name} sets {key}, which no setting reads"


def test_nothing_is_published_beyond_localhost(compose: dict) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert re.match(r"^127\.0\.0\.1:", str(port)), f"{name} publishes {port}"
