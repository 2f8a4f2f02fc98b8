"""Settings read secrets from mounted files (compose `secrets:`, Kubernetes secret volumes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared import settings as settings_module
from shared.settings import LOCAL_WEBHOOK_SECRET, Settings

OWN_SECRET = "whsec_c2VjcmV0LWZyb20tYS1tb3VudGVkLWZpbGU="
API_TOKENS = "ops:an-api-token-of-the-operator"


@pytest.fixture(autouse=True)
def _no_secret_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CLAIMWATCH_WEBHOOK_SECRET", "CLAIMWATCH_SECRETS_DIR", "CLAIMWATCH_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)


def _settings(secrets: Path, **values: object) -> Settings:
    return Settings(_env_file=None, _secrets_dir=secrets, **values)  # type: ignore[call-arg]


def test_a_secret_file_named_after_the_setting_is_read(tmp_path: Path) -> None:
    (tmp_path / "claimwatch_webhook_secret").write_text(OWN_SECRET + "\n")
    settings = _settings(tmp_path, environment="production", api_tokens=API_TOKENS)
    assert settings.webhook_secret.get_secret_value() == OWN_SECRET  # newline stripped


def test_the_file_name_is_matched_in_any_case(tmp_path: Path) -> None:
    (tmp_path / "CLAIMWATCH_WEBHOOK_SECRET").write_text(OWN_SECRET)
    assert _settings(tmp_path).webhook_secret.get_secret_value() == OWN_SECRET


def test_the_environment_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "claimwatch_webhook_secret").write_text(OWN_SECRET)
    monkeypatch.setenv("CLAIMWATCH_WEBHOOK_SECRET", "whsec_ZnJvbS10aGUtZW52aXJvbm1lbnQ=")
    assert _settings(tmp_path).webhook_secret.get_secret_value() == (
        "whsec_ZnJvbS10aGUtZW52aXJvbm1lbnQ="
    )


def test_without_a_file_the_local_default_applies_and_production_refuses_it(
    tmp_path: Path,
) -> None:
    assert _settings(tmp_path).webhook_secret.get_secret_value() == LOCAL_WEBHOOK_SECRET
    with pytest.raises(ValueError, match="CLAIMWATCH_WEBHOOK_SECRET"):
        _settings(tmp_path, environment="production")


def test_the_secrets_dir_is_chosen_from_the_environment_or_run_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMWATCH_SECRETS_DIR", str(tmp_path))
    assert settings_module.secrets_dir() == tmp_path
    monkeypatch.delenv("CLAIMWATCH_SECRETS_DIR")
    monkeypatch.setattr(settings_module, "DEFAULT_SECRETS_DIR", tmp_path / "run-secrets")
    assert settings_module.secrets_dir() is None  # absent: no warning about a missing dir
    (tmp_path / "run-secrets").mkdir()
    assert settings_module.secrets_dir() == tmp_path / "run-secrets"


def test_claimwatch_secrets_dir_reaches_a_fresh_process(tmp_path: Path) -> None:
    """The directory is fixed when shared.settings is imported, as in a container."""
    (tmp_path / "claimwatch_webhook_secret").write_text(OWN_SECRET)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_")}
    env.update(CLAIMWATCH_SECRETS_DIR=str(tmp_path), CLAIMWATCH_ENVIRONMENT="production",
               CLAIMWATCH_API_TOKENS=API_TOKENS)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from shared.settings import Settings; "
            "print(Settings(_env_file=None).webhook_secret.get_secret_value())",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == OWN_SECRET


def test_production_refuses_to_start_without_api_tokens(tmp_path: Path) -> None:
    (tmp_path / "claimwatch_webhook_secret").write_text(OWN_SECRET)
    with pytest.raises(ValueError, match="CLAIMWATCH_API_TOKENS"):
        _settings(tmp_path, environment="production")
    with pytest.raises(ValueError, match="name:token") as caught:
        _settings(tmp_path, api_tokens="ops:short")
    assert "short" not in str(caught.value)  # the token itself is never echoed
    settings = _settings(tmp_path, api_tokens="a:first-token-0123456789, b:second-token-012345")
    assert settings.api_token_map() == {
        "first-token-0123456789": "a",
        "second-token-012345": "b",
    }
    assert "first-token" not in repr(settings)
