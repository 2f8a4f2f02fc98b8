"""Rules every outgoing HTTP request follows (webhooks, feeds, pages): where it may go, and
how long a server asked us to wait (Retry-After).

A URL must be http(s) and its host must resolve only to public addresses (no private,
loopback, link-local, multicast, reserved or otherwise non-global address), unless the
caller's allow-private setting is on. The check runs after DNS resolution, so a public
name pointing at 10.0.0.1 is refused too. (The HTTP client resolves again when it
connects; a name that changes answer in between is not caught: this guards against
configured or linked URLs, not against an attacker who controls a DNS server.)
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit

WEBHOOK_SETTING = "CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE"


class ForbiddenTarget(ValueError):
    """A URL that is not http(s) or resolves to a private/loopback/link-local address while
    the allow-private setting (CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE for webhooks,
    CLAIMWATCH_SOURCES_ALLOW_PRIVATE for feeds and pages) is off."""


def blocked(address: str) -> bool:
    """True for an address no outgoing request may reach while private targets are off."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def split_target(url: str, what: str = "webhook URL") -> tuple[str, int]:
    """(host, port) of an http(s) URL; ForbiddenTarget for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ForbiddenTarget(f"{what} must be http(s)://host/...: {url!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ForbiddenTarget(f"{what} has an invalid port: {url!r}") from exc
    return parts.hostname, port


def check_addresses(host: str, addresses: list[str], setting: str = WEBHOOK_SETTING) -> None:
    if not addresses:
        raise ForbiddenTarget(f"{host} does not resolve")
    bad = [a for a in addresses if blocked(a)]
    if bad:
        raise ForbiddenTarget(
            f"{host} resolves to a private, loopback or link-local address ({bad[0]}); "
            f"set {setting}=true to allow it"
        )


def check_target(
    url: str, allow_private: bool, *, what: str = "webhook URL", setting: str = WEBHOOK_SETTING
) -> None:
    """Raise ForbiddenTarget for a URL that must not be called (blocking DNS lookup)."""
    host, port = split_target(url, what)
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ForbiddenTarget(f"{host} does not resolve: {exc}") from exc
    check_addresses(host, [str(info[4][0]) for info in infos], setting)


async def check_target_async(
    url: str, allow_private: bool, *, what: str = "webhook URL", setting: str = WEBHOOK_SETTING
) -> None:
    """The same without blocking the event loop (DNS may have changed since the URL was
    configured, so callers check at request time)."""
    host, port = split_target(url, what)
    if allow_private:
        return
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=5.0
        )
    except (OSError, TimeoutError) as exc:
        raise ForbiddenTarget(f"{host} does not resolve: {exc}") from exc
    check_addresses(host, [str(info[4][0]) for info in infos], setting)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
