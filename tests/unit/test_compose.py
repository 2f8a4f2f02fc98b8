"""Docker is not available here: check the compose file, the Dockerfile, `.dockerignore` and the
README's compose section against the code instead."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from pydantic import SecretStr

from claimwatch.cli import app as cli_app
from claimwatch.stack import SERVICE_MODULES
from shared.runtime import GRACEFUL_TIMEOUT_S
from shared.settings import LOCAL_WEBHOOK_SECRET, Settings

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "deploy" / "Dockerfile"
# Files another change adds (Prometheus scrape config, Grafana provisioning): checked when present.
OPTIONAL_MOUNT_ROOTS = ("deploy/prometheus", "deploy/grafana")
METRICS_PORT = 9100
# Subcommands the README may show before they land on this branch (the CLI is being restructured).
PENDING_SUBCOMMANDS = {"status"}


# --- reading the files -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _interpolate(value: str) -> str:
    """Compose variable substitution with nothing set: `${X:-default}` is `default`."""
    return re.sub(r"\$\{(\w+)(?::?-([^}]*))?\}", lambda m: m.group(2) or "", value)


def _app_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services built from our image (not Redis, Prometheus or Grafana)."""
    return {
        name: service
        for name, service in compose["services"].items()
        if "build" in service or str(service.get("image", "")).startswith("claimwatch")
    }


def _default_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The app services `docker compose up -d` starts (no profile)."""
    return {k: v for k, v in _app_services(compose).items() if not v.get("profiles")}


def _env_names() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(f"CLAIMWATCH_{name.upper()}")
        if field.validation_alias is not None:
            names.update(getattr(field.validation_alias, "choices", []))
    return names


def _published(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(host ip, host port, container port) of every published port."""
    out = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            out.append(
                (str(port.get("host_ip", "")), str(port.get("published", "")), str(port["target"]))
            )
            continue
        parts = _interpolate(str(port)).split(":")
        parts = [""] * (3 - len(parts)) + parts
        out.append((parts[0], parts[1], parts[2]))
    return out


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    out = []
    for line in lines:
        instruction, _, args = line.partition(" ")
        out.append((instruction.upper(), args.strip()))
    return out


def _instructions(name: str) -> list[str]:
    return [args for instruction, args in _dockerfile() if instruction == name]


def _readme_section(title: str) -> str:
    text = (REPO / "README.md").read_text()
    start = text.find(f"\n## {title}\n")
    assert start >= 0, f"README.md has no section '## {title}'"
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def _compose_section() -> str:
    return _readme_section("Running with Docker Compose")


def _subcommands() -> set[str]:
    command = typer.main.get_command(cli_app)
    return set(getattr(command, "commands", {}))


def _dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule, closely enough: a pattern matches the path or one of its parents; `**/`
    matches any depth; a later `!pattern` re-includes."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw[1:] if negate else raw
        pattern = pattern.strip("/")
        forms = {pattern}
        if pattern.startswith("**/"):
            forms.add(pattern[3:])
        hit = False
        for candidate in candidates:
            tails = ["/".join(candidate.split("/")[i:]) for i in range(len(candidate.split("/")))]
            for form in forms:
                if fnmatch.fnmatchcase(candidate, form) or (
                    form != pattern and any(fnmatch.fnmatchcase(t, form) for t in tails)
                ):
                    hit = True
        if hit:
            ignored = not negate
    return ignored


def _dockerignore_patterns() -> list[str]:
    path = REPO / ".dockerignore"
    assert path.exists(), ".dockerignore is missing: .venv and .tools would enter the context"
    return [
        line.strip()
        for line in path.read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


# --- the image ---------------------------------------------------------------------------------


def test_the_entry_point_is_the_claimwatch_console_script() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    entrypoints = _instructions("ENTRYPOINT")
    assert len(entrypoints) == 1, "one ENTRYPOINT, in exec form"
    entrypoint = json.loads(entrypoints[0])
    assert entrypoint == ["claimwatch"]
    assert entrypoint[0] in scripts
    cmd = json.loads(_instructions("CMD")[-1])
    assert cmd == ["--help"], "with no command the image prints the help"


def test_the_image_is_python_311_slim_with_the_makefiles_uv() -> None:
    assert _instructions("FROM") == ["python:3.11-slim"]
    pinned = re.search(r"uv==([\d.]+)", (REPO / "Makefile").read_text())
    assert pinned is not None
    runs = " ".join(_instructions("RUN"))
    assert f'"uv=={pinned.group(1)}"' in runs, "the image and the Makefile pin the same uv"
    assert "uv sync --frozen --no-dev" in runs


def test_the_image_runs_as_a_user_who_can_write_only_its_own_directories() -> None:
    users = _instructions("USER")
    assert users and users[-1] not in {"root", "0"}
    user = users[-1].split(":")[0]
    env = " ".join(_instructions("ENV"))
    assert re.search(rf"HOME=/home/{user}\b", env)
    cache = re.search(r"CLAIMWATCH_CACHE_DIR=(\S+)", env)
    assert cache is not None and cache.group(1).startswith(f"/home/{user}/")
    assert "cache_dir" in Settings.model_fields
    # The last WORKDIR is where relative paths land (e.g. a generated ./ID.whsec): it must be a
    # directory the user owns, not the code in /app.
    workdir = _instructions("WORKDIR")[-1]
    assert workdir != "/app"
    runs = " ".join(_instructions("RUN"))
    assert re.search(rf"(-o {user}\b.*{re.escape(workdir)}|chown \S*{user}\S* {workdir})", runs), (
        f"{workdir} is not created for {user}"
    )


def test_the_image_labels_carry_the_projects_version() -> None:
    labels = " ".join(_instructions("LABEL"))
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert 'org.opencontainers.image.title="claimwatch"' in labels
    assert f'org.opencontainers.image.version="{version}"' in labels


def test_dockerignore_keeps_environments_and_secrets_out_and_the_sources_in() -> None:
    patterns = _dockerignore_patterns()
    for path in (
        ".venv/bin/python",
        ".tools/bin/uv",
        ".git/HEAD",
        ".env",
        "ops.whsec",
        "shared/x.whsec",
        "deploy/secrets/webhook_secret.local",
        ".mypy_cache/x",
        ".pytest_cache/v",
        "shared/__pycache__/a.pyc",
    ):
        assert _dockerignored(path, patterns), f"{path} would enter the build context"
    # Everything the Dockerfile copies stays in the context.
    needed = {"deploy/Dockerfile"}
    for args in _instructions("COPY"):
        needed.update(a for a in args.split()[:-1] if not a.startswith("--"))
    assert {"pyproject.toml", "uv.lock", "README.md", "claimwatch", "shared", "services"} <= needed
    for path in sorted(needed):
        assert (REPO / path).exists(), f"the Dockerfile copies {path}, which does not exist"
        assert not _dockerignored(path, patterns), f".dockerignore drops {path}"
        assert not _dockerignored(f"{path}/__init__.py", patterns) or not (REPO / path).is_dir()


def test_the_dockerignore_matcher_can_say_no() -> None:
    assert _dockerignored("a/b/c.pyc", ["**/*.pyc"])
    assert not _dockerignored("shared/settings.py", ["**/*.pyc", ".venv"])
    assert not _dockerignored("keep.md", ["*.md", "!keep.md"])


# --- the services ------------------------------------------------------------------------------


def test_redis_is_persistent_and_healthchecked(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    assert redis["image"].startswith("redis:7")
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    assert redis["healthcheck"]["test"]
    volume = redis["volumes"][0].split(":")
    assert volume[1] == "/data" and volume[0] in compose["volumes"], "a named volume for /data"


def test_every_service_waits_for_healthy_redis(compose: dict[str, Any]) -> None:
    for name, service in _app_services(compose).items():
        assert service["depends_on"]["redis"]["condition"] == "service_healthy", name


def test_every_service_runs_through_claimwatch_service(compose: dict[str, Any]) -> None:
    subcommands = _subcommands()
    assert {"service", "health", "ingest", "tail"} <= subcommands
    for name, service in _app_services(compose).items():
        command = service.get("command")
        if "tools" in service.get("profiles", []):
            # A tool container takes its subcommand from `docker compose run`; a default, if
            # any, must be a real one.
            assert command is None or command[0] in subcommands | {"--help"}, (name, command)
            continue
        assert command == ["service", name], f"{name} runs {command}, not `service {name}`"
        assert name in SERVICE_MODULES, f"{name} is not a service `claimwatch service` knows"


def test_every_service_module_has_a_compose_service(compose: dict[str, Any]) -> None:
    default = _default_services(compose)
    for name in SERVICE_MODULES:
        assert name in default, f"`docker compose up` does not start {name}"


def test_a_cli_service_for_one_shot_commands(compose: dict[str, Any]) -> None:
    cli = compose["services"]["cli"]
    assert cli["profiles"] == ["tools"], "only `docker compose run` starts it"
    assert cli.get("restart") == "no"
    assert "healthcheck" not in cli and "ports" not in cli


def test_every_healthcheck_checks_its_own_service(compose: dict[str, Any]) -> None:
    for name, service in _default_services(compose).items():
        check = service.get("healthcheck", {}).get("test", [])
        assert check and check[0] == "CMD", f"{name} has no exec-form healthcheck"
        if "claimwatch" in check:
            assert check[check.index("claimwatch") + 1 :] == ["health", name], (name, check)
            assert name in SERVICE_MODULES
        else:
            # The ingestor writes no heartbeat: its healthcheck asks its own GET /health.
            port = service["environment"]["CLAIMWATCH_INGEST_PORT"]
            assert f"http://127.0.0.1:{port}/health" in " ".join(check), (name, check)


def test_ingestor_listens_on_all_interfaces_inside_its_container(compose: dict[str, Any]) -> None:
    env = compose["services"]["ingestor"]["environment"]
    assert env["CLAIMWATCH_INGEST_HOST"] == "0.0.0.0"
    published = _published(compose["services"]["ingestor"])
    assert [(ip, target) for ip, _, target in published] == [
        ("127.0.0.1", str(env["CLAIMWATCH_INGEST_PORT"]))
    ]


def test_stop_grace_period_outlasts_the_graceful_shutdown(compose: dict[str, Any]) -> None:
    for name, service in _app_services(compose).items():
        period = re.fullmatch(r"(\d+)s", str(service.get("stop_grace_period", "10s")))
        assert period is not None, name
        assert int(period.group(1)) > GRACEFUL_TIMEOUT_S, name


def test_environment_matches_settings(compose: dict[str, Any]) -> None:
    known = _env_names()
    for name, service in _app_services(compose).items():
        for key in service.get("environment", {}):
            assert key in known, f"{name} sets {key}, which no setting reads"


def test_environment_values_are_valid_settings(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, service in _app_services(compose).items():
        with monkeypatch.context() as env:
            for key, value in service.get("environment", {}).items():
                env.setenv(key, _interpolate(str(value)))
            settings = Settings(_env_file=None, _secrets_dir=None)  # type: ignore[call-arg]
        assert settings.redis_url == "redis://redis:6379/0", name
        assert settings.metrics_host == "0.0.0.0", f"{name}: /metrics unreachable by Prometheus"
        assert settings.metrics_port == METRICS_PORT, name


def test_nothing_is_published_beyond_localhost(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for ip, host_port, _ in _published(service):
            assert ip == "127.0.0.1", f"{name} publishes on {ip or 'every interface'}"
            assert host_port, f"{name} publishes on a random port"


def test_metrics_stay_inside_the_compose_network(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for _, host_port, target in _published(service):
            assert METRICS_PORT not in {int(host_port), int(target)}, name


def test_published_ports_are_the_ones_the_readme_lists(compose: dict[str, Any]) -> None:
    documented = dict(
        re.findall(r"^\| `([\w-]+)` \| `(127\.0\.0\.1:\d+)`", _compose_section(), re.MULTILINE)
    )
    published = {
        name: f"{ip}:{host_port}"
        for name, service in compose["services"].items()
        for ip, host_port, _ in _published(service)
    }
    assert documented, "README's compose section lists no published ports"
    assert published == documented


def test_scalable_services_have_no_fixed_name_or_host_port(compose: dict[str, Any]) -> None:
    scaled = set(re.findall(r"--scale ([\w-]+)=\d+", _compose_section()))
    assert "entity-worker" in scaled
    for name in scaled:
        service = compose["services"][name]
        assert "container_name" not in service, name
        assert not service.get("ports"), f"{name} publishes a host port: replicas would clash"
    for name, service in _app_services(compose).items():
        assert "container_name" not in service, name


def test_monitoring_runs_only_with_its_profile(compose: dict[str, Any]) -> None:
    for name, image in (("prometheus", "prom/prometheus"), ("grafana", "grafana/grafana")):
        service = compose["services"][name]
        assert service["image"].split(":")[0] == image
        assert service["profiles"] == ["monitoring"]


def _bind_mounts(compose: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(service, repository path, container path) of every bind mount from the checkout."""
    mounts = []
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source, target = str(volume).split(":")[:2]
            if source.startswith("."):
                mounts.append((name, str(Path(source)), target))
    return mounts


def test_every_mounted_file_exists(compose: dict[str, Any]) -> None:
    mounts = _bind_mounts(compose)
    assert any(path.startswith("deploy/prometheus") for _, path, _ in mounts)
    for name, path, _ in mounts:
        if path.startswith(OPTIONAL_MOUNT_ROOTS) and not (REPO / path).exists():
            continue  # written by the metrics change; checked below once it is there
        assert (REPO / path).exists(), f"{name} mounts {path}, which does not exist"
    for secret in compose.get("secrets", {}).values():
        path = _interpolate(secret["file"])
        assert (REPO / path).is_file(), f"secret file {path} does not exist"


def test_grafana_provisioning_matches_the_mounts(compose: dict[str, Any]) -> None:
    mounts = {path: target for name, path, target in _bind_mounts(compose) if name == "grafana"}
    provider = REPO / "deploy/grafana/provisioning/dashboards/claimwatch.yml"
    if not provider.exists():
        pytest.skip("the Grafana provisioning files are not on this branch yet")
    paths = [p["options"]["path"] for p in yaml.safe_load(provider.read_text())["providers"]]
    assert all(path.startswith(mounts["deploy/grafana/dashboards"]) for path in paths), paths
    datasource = (REPO / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text()
    assert "prometheus:9090" in datasource


def test_prometheus_scrapes_the_metrics_port() -> None:
    config = REPO / "deploy/prometheus/prometheus.yml"
    if not config.exists():
        pytest.skip("the Prometheus configuration is not on this branch yet")
    assert str(METRICS_PORT) in config.read_text()


# --- secrets -----------------------------------------------------------------------------------


def test_the_webhook_secret_is_mounted_where_settings_read_it(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    secrets = compose["secrets"]
    assert list(secrets) == ["claimwatch_webhook_secret"]
    for name, service in _app_services(compose).items():
        assert service.get("secrets") == ["claimwatch_webhook_secret"], name
    default = REPO / _interpolate(secrets["claimwatch_webhook_secret"]["file"])
    assert default.read_text().strip() == LOCAL_WEBHOOK_SECRET, "only the public local secret"
    # Compose mounts it as /run/secrets/<name>: the same file in a secrets dir is read.
    (tmp_path / "claimwatch_webhook_secret").write_text(default.read_text())
    settings = Settings(_env_file=None, _secrets_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.webhook_secret.get_secret_value() == LOCAL_WEBHOOK_SECRET
    with pytest.raises(ValueError, match="CLAIMWATCH_WEBHOOK_SECRET"):
        Settings(  # type: ignore[call-arg]
            _env_file=None, _secrets_dir=tmp_path, environment="production"
        )


def test_the_ingestor_service_ignores_the_processs_own_arguments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`claimwatch service ingestor` calls main() while sys.argv is the CLI's own."""
    from services.ingestor import main as ingestor

    calls: list[tuple[str | None, int | None]] = []
    monkeypatch.setattr(ingestor, "serve", lambda host, port: calls.append((host, port)))
    monkeypatch.setattr(sys, "argv", ["claimwatch", "service", "ingestor"])
    assert ingestor.main() == 0
    assert ingestor.main(["--port", "9999"]) == 0
    assert calls == [(None, None), (None, 9999)]


# --- the README --------------------------------------------------------------------------------


def _settings_table() -> dict[str, str]:
    rows = re.findall(
        r"^\| `((?:CLAIMWATCH_|REDIS_)\w+)` \| ([^|]*) \|",
        _readme_section("Configuration"),
        re.MULTILINE,
    )
    return {name: default.strip() for name, default in rows}


def test_every_setting_is_documented() -> None:
    table = _settings_table()
    fields = {f"CLAIMWATCH_{name.upper()}" for name in Settings.model_fields} - {
        "CLAIMWATCH_REDIS_URL"
    }
    missing = sorted((fields | {"REDIS_URL"}) - set(table))
    assert not missing, f"README's settings table lacks {missing}"
    stale = sorted(set(table) - fields - {"REDIS_URL", "CLAIMWATCH_SECRETS_DIR"})
    assert not stale, f"README documents settings that do not exist: {stale}"


def test_documented_defaults_are_the_real_ones() -> None:
    table = _settings_table()
    checked = 0
    for name, field in Settings.model_fields.items():
        env = "REDIS_URL" if name == "redis_url" else f"CLAIMWATCH_{name.upper()}"
        default = field.default
        if field.default_factory is not None or isinstance(default, Path | SecretStr):
            continue  # host-dependent or secret: described in words
        cell = table[env].strip("`")
        if default is None:
            assert cell == "unset", env
        elif isinstance(default, bool):
            assert cell == str(default).lower(), env
        elif isinstance(default, int | float):
            assert float(cell.replace(",", "").replace("_", "")) == default, env
        else:
            assert cell == str(default), env
        checked += 1
    assert checked >= 20


def test_compose_variables_in_the_readme_are_the_ones_compose_reads() -> None:
    section = _compose_section()
    text = COMPOSE_FILE.read_text()
    used = set(re.findall(r"\$\{(\w+)", text))
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", section, re.MULTILINE))
    documented -= _env_names()
    assert used - _env_names() <= documented, sorted(used - documented - _env_names())
    assert documented <= used, f"README documents unused compose variables {documented - used}"


# `docker compose run` options that take a value (the rest are flags such as --rm, -T).
_RUN_OPTIONS_WITH_VALUE = {
    "-v",
    "--volume",
    "-e",
    "--env",
    "-u",
    "--user",
    "-w",
    "--workdir",
    "--entrypoint",
    "--name",
    "-p",
    "--publish",
    "-l",
    "--label",
}


def test_readme_compose_commands_use_real_services_and_subcommands(
    compose: dict[str, Any],
) -> None:
    section = _compose_section()
    subcommands = _subcommands() | PENDING_SUBCOMMANDS
    checked = 0
    for line in re.findall(r"^\s*(docker compose run .*)$", section, re.MULTILINE):
        words = shlex.split(line.split("#")[0].split(" < ")[0])[3:]
        entrypoint = None
        while words and words[0].startswith("-"):
            option = words.pop(0)
            if option in _RUN_OPTIONS_WITH_VALUE:
                value = words.pop(0)
                entrypoint = value if option == "--entrypoint" else entrypoint
        service, args = words[0], words[1:]
        assert service in compose["services"], f"README runs unknown service {service}: {line}"
        if entrypoint is None and service in _app_services(compose):
            assert args and args[0] in subcommands, f"`{args[:1]}` is not a claimwatch command"
            checked += 1
    assert checked >= 5
    assert "python -m services" not in section
    assert "docker compose up -d" in section
    assert "--profile monitoring" in section
