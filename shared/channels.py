"""Apprise targets (Slack, Teams, Discord, Telegram, email, ntfy, Matrix, json://, form://):
parse, guard, mask and send one message.

Apprise is synchronous and says why a notification failed only in its log, so a send runs in
a thread (`asyncio.to_thread`) with a log handler that keeps that thread's records: they
become the outcome's detail, with the URL's secrets masked.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise
from apprise import NotifyFormat

from shared.netguard import WEBHOOK_SETTING, ForbiddenTarget, check_addresses

WEBHOOK_SCHEMES = frozenset({"http", "https"})
# Class attributes of Apprise plugins that hold the vendor endpoint they post to.
# Query arguments that are settings, not secrets (their values are not scrubbed from logs).
_PLAIN_QUERY = frozenset({"mode", "smtp", "from", "to", "cc", "bcc", "format", "priority",
                          "name", "port", "method", "overflow"})  # fmt: skip
_VENDOR_ATTRS = ("notify_url", "webhook_url", "api_url", "notify_url_v2", "base_url")


def is_webhook_url(url: str) -> bool:
    return urlsplit(url).scheme.lower() in WEBHOOK_SCHEMES


def plugin_for(url: str) -> Any:
    """The Apprise plugin object for a URL; ValueError when Apprise does not know it."""
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if not plugin:
        raise ValueError("not a Standard Webhooks http(s) URL, nor an Apprise URL Apprise knows")
    return plugin


def masked(url: str) -> str:
    """The URL as people may see it: Apprise's own privacy form (passwords, tokens and keys
    shortened to `a...z` or `****`); an unparseable URL shows only its scheme."""
    try:
        return str(plugin_for(url).url(privacy=True))
    except (ValueError, TypeError):
        return urlsplit(url).scheme + "://****"


def secret_parts(url: str) -> list[str]:
    """Pieces of the raw URL that its masked form does not show: the secrets to scrub from
    anything Apprise logs (user names and hosts stay, they are shown anyway)."""
    shown = unquote(masked(url))
    parts = urlsplit(url)
    pieces = [parts.password or "", *parts.path.split("/"), parts.netloc.rpartition("@")[2]]
    pieces += [v for k, v in parse_qsl(parts.query) if k.lower() not in _PLAIN_QUERY]
    if parts.username and ":" not in parts.netloc.rpartition("@")[0]:
        pieces.append(parts.username)  # a bare token in the user part (tgram://TOKEN@...)
    found = {unquote(p) for p in pieces if len(p) >= 4 and unquote(p) not in shown}
    return sorted(found, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    for piece in secret_parts(url):
        text = text.replace(piece, "****")
    return text


def target_hosts(url: str) -> tuple[list[tuple[str, int]], str]:
    """Where the plugin connects: (host, port) pairs and a note saying what was checked.

    Self-hosted targets (json://, form://, ntfy://, matrix://, mailto:// ...) name the host
    in the URL (for email the SMTP server, `smtp=` or the host). SaaS plugins (slack://,
    discord://, tgram://, msteams:// ...) put tokens where a host would be; for them the
    vendor endpoint the plugin posts to (its `notify_url` and the like) is checked, and when
    a plugin has none, only the scheme is (documented in the README)."""
    plugin = plugin_for(url)
    tokens = getattr(type(plugin), "template_tokens", {}) or {}
    smtp = getattr(plugin, "smtp_host", None)
    port = int(getattr(plugin, "port", None) or (443 if getattr(plugin, "secure", False) else 80))
    if smtp:
        return [(str(smtp), port)], f"SMTP server {smtp}"
    if "host" in tokens and getattr(plugin, "host", None):
        return [(str(plugin.host), port)], f"host {plugin.host}"
    vendors = []
    for attr in _VENDOR_ATTRS:
        value = getattr(type(plugin), attr, None)
        if isinstance(value, str) and value.startswith("http"):
            host = urlsplit(value.replace("{}", "x")).hostname
            if host and re.fullmatch(r"[A-Za-z0-9.\-]+", host):
                vendors.append((host, 443))
    if vendors:
        return vendors, "vendor host " + ", ".join(sorted({h for h, _ in vendors}))
    return [], "no host in the URL; the vendor endpoint is fixed by the plugin"


def _resolve(host: str, port: int) -> list[str]:
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ForbiddenTarget(f"{host} does not resolve: {exc}") from exc
    return [str(info[4][0]) for info in infos]


def check_apprise_target(url: str, allow_private: bool) -> str:
    """Raise ForbiddenTarget for an Apprise URL whose host is private (unless allowed) or
    unknown; return what was checked (blocking DNS lookups: call in a thread)."""
    try:
        hosts, note = target_hosts(url)
    except ValueError as exc:
        raise ForbiddenTarget(str(exc)) from exc
    if allow_private:
        return note
    for host, port in hosts:
        check_addresses(host, _resolve(host, port), WEBHOOK_SETTING)
    return note


async def check_apprise_target_async(url: str, allow_private: bool) -> str:
    return await asyncio.wait_for(
        asyncio.to_thread(check_apprise_target, url, allow_private), timeout=10.0
    )


@dataclass(frozen=True)
class Sent:
    """What Apprise answered: its bool, and the log lines that say why."""

    ok: bool
    detail: str
    status: int | None = None


class _ThreadLog(logging.Handler):
    """Collects Apprise's log records per thread (several sends run at once in other
    threads). Apprise says why a send failed at WARNING and the underlying error (an SMTP
    reply, a socket error) at DEBUG: both are kept for the outcome's detail. Apprise's
    records do not propagate: the notifier logs the outcome itself, secrets scrubbed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.local = threading.local()

    def start(self) -> list[str]:
        self.local.lines = []
        return self.local.lines

    def stop(self) -> None:
        self.local.lines = None

    def emit(self, record: logging.LogRecord) -> None:
        lines = getattr(self.local, "lines", None)
        if lines is None:
            return
        text = record.getMessage()
        if record.levelno >= logging.INFO or re.search(r"xception|rror|Response", text):
            lines.append(text)


_CAPTURE = _ThreadLog()
_APPRISE_LOG = logging.getLogger("apprise")
_APPRISE_LOG.addHandler(_CAPTURE)
_APPRISE_LOG.setLevel(logging.DEBUG)
_APPRISE_LOG.propagate = False


def preferred_format(url: str) -> NotifyFormat:
    """The richest format the plugin takes natively (so Apprise converts nothing):
    HTML for email, markdown for Slack, Discord, Telegram..., else text."""
    declared = plugin_for(url).notify_format
    formats = list(declared) if isinstance(declared, tuple | list) else [declared]
    for fmt in (NotifyFormat.MARKDOWN, NotifyFormat.HTML):
        if formats and formats[0] == fmt:
            return fmt
    return NotifyFormat.TEXT if NotifyFormat.TEXT in formats else formats[0]


def _send_blocking(url: str, title: str, body: str, fmt: NotifyFormat, timeout_s: float) -> Sent:
    asset = apprise.AppriseAsset(app_id="claimwatch", app_desc="claimwatch alerts")
    # Apprise's own retries are off (retry=0 by default); ours are the queue's, with backoff.
    plugin = apprise.Apprise.instantiate(url, asset=asset, suppress_exceptions=True)
    if not plugin:
        return Sent(False, "Apprise does not know this URL any more")
    for attr in ("socket_connect_timeout", "socket_read_timeout", "timeout"):
        if hasattr(plugin, attr):
            setattr(plugin, attr, timeout_s)
    # The plugin's own notify, in this thread: Apprise.notify may hand the work to a pool,
    # whose log records this thread's handler would not see; the body is already in the
    # plugin's native format, so Apprise has nothing to convert.
    lines = _CAPTURE.start()
    try:
        ok = bool(plugin.notify(body=body, title=title, body_format=fmt))
    except Exception as exc:  # a plugin bug must not kill the worker: it is a failed send
        lines.append(f"{type(exc).__name__}: {exc}")
        ok = False
    finally:
        _CAPTURE.stop()
    detail = scrub(" | ".join(line.strip() for line in lines)[-600:], url)
    return Sent(ok, detail or ("sent" if ok else "Apprise reported a failure"), _status(detail))


def _status(detail: str) -> int | None:
    """An HTTP or SMTP status Apprise logged (`error=503.`, `(451, ...)`), if any."""
    match = re.search(r"error=(\d{3})\b", detail) or re.search(r"\((\d{3}),", detail)
    return int(match.group(1)) if match else None


async def send(url: str, title: str, body: str, fmt: NotifyFormat, timeout_s: float) -> Sent:
    return await asyncio.to_thread(_send_blocking, url, title, body, fmt, timeout_s)
