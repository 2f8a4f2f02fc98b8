"""Notifications written for people: one message per story (a pair of articles, or one
article's ambiguous mention), in plain text, markdown or HTML.

A story of several alerts (one new article contradicting one earlier article on several
points) is one message that lists every point with its alert id; a digest is several
stories under one title.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from apprise import NotifyFormat

from shared.domain.alerts import Alert, AlertKind
from shared.domain.claims import Claim, Polarity


def story_key(alert: Alert) -> str:
    """What one message covers: the pair of articles (either order), else the article of an
    ambiguous mention."""
    if alert.new is not None and alert.previous is not None:
        return "|".join(sorted((alert.new.article_id, alert.previous.article_id)))
    if alert.mention is not None:
        return alert.mention.article_id
    return alert.id


def stories(alerts: Iterable[Alert]) -> list[list[Alert]]:
    """Alerts grouped by story, most severe first within each, stories in arrival order."""
    grouped: dict[str, list[Alert]] = {}
    for alert in alerts:
        grouped.setdefault(story_key(alert), []).append(alert)
    return [sorted(g, key=lambda a: (-a.severity.rank, a.id)) for g in grouped.values()]


def claim_value(claim: Claim) -> str:
    if claim.object is not None:
        value = claim.object.name
    elif claim.value is not None:
        value = claim.value.text or f"{claim.value.value:g}"
    elif claim.state:
        value = claim.state
    elif claim.on_date is not None:
        value = claim.on_date.isoformat()
    else:
        value = claim.relation
    return f"not {value}" if claim.polarity is not Polarity.ASSERTED else value


def headline(alert: Alert) -> str:
    """"Contradiction · Sievierodonetsk: Luhansk Oblast vs Donetsk People's Republic"."""
    if alert.new is not None and alert.previous is not None:
        subject = alert.new.subject.name
        return (
            f"Contradiction · {subject}: {claim_value(alert.previous)} vs "
            f"{claim_value(alert.new)}"
        )
    if alert.mention is not None:
        return f"Ambiguous place · “{alert.mention.text}” in {alert.mention.source}"
    return f"Alert · {alert.kind.value}"


def story_title(group: Sequence[Alert]) -> str:
    first = group[0]
    if len(group) == 1:
        return headline(first)
    if first.new is not None and first.previous is not None:
        return (
            f"Contradiction · {first.previous.source} vs {first.new.source}: "
            f"{len(group)} points ({headline(first).split(' · ', 1)[1]}, …)"
        )
    return f"{headline(first)} (+{len(group) - 1})"


@dataclass(frozen=True)
class _Line:
    """One block of a message, before it is written in a format."""

    text: str
    link: str | None = None
    strong: bool = False
    quote: bool = False


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value.utcoffset() is not None else str(value)


def _report(label: str, claim: Claim) -> list[_Line]:
    title = claim.title or "(untitled)"
    return [
        _Line(f"{label}: {claim.source}, {_when(claim.published_at)} — {title}", claim.url),
        _Line(claim.sentence.strip(), quote=True),
    ]


def _point(alert: Alert, public_url: str | None, numbered: int | None) -> list[_Line]:
    prefix = f"{numbered}. " if numbered is not None else ""
    lines = [_Line(f"{prefix}{alert.reason}", strong=True)]
    meta = f"{alert.kind.value} · severity {alert.severity.value} · {alert.id}"
    link = f"{public_url.rstrip('/')}/alerts/{alert.id}" if public_url else None
    lines.append(_Line(meta, link))
    for clash in alert.also:
        lines.append(_Line(f"also ({clash.kind.value}, {clash.id}): {clash.reason}"))
    if alert.kind is AlertKind.AMBIGUITY and alert.mention is not None:
        lines.append(_Line(alert.mention.sentence.strip(), quote=True))
    return lines


def _story_lines(group: Sequence[Alert], public_url: str | None) -> list[_Line]:
    first = group[0]
    lines: list[_Line] = []
    if first.new is not None and first.previous is not None:
        lines += _report("Earlier", first.previous)
        lines += _report("Newer", first.new)
    numbered = len(group) > 1
    for n, alert in enumerate(group, 1):
        # the other points may come from other sentences of the same two articles
        if n > 1 and alert.new is not None and first.new is not None:
            for claim, shown in ((alert.previous, first.previous), (alert.new, first.new)):
                if claim is not None and shown is not None and claim.sentence != shown.sentence:
                    lines.append(_Line(claim.sentence.strip(), quote=True))
        lines += _point(alert, public_url, n if numbered else None)
    return lines


def _write(lines: Sequence[_Line], fmt: NotifyFormat) -> str:
    out: list[str] = []
    for line in lines:
        if fmt == NotifyFormat.HTML:
            text = html.escape(line.text)
            if line.link:
                text = f'<a href="{html.escape(line.link, quote=True)}">{text}</a>'
            if line.strong:
                text = f"<b>{text}</b>"
            out.append(f"<blockquote>{text}</blockquote>" if line.quote else f"<p>{text}</p>")
        elif fmt == NotifyFormat.MARKDOWN:
            text = line.text.replace("[", "\\[").replace("]", "\\]")
            if line.link:
                text = f"[{text}]({line.link})"
            if line.strong:
                text = f"**{text}**"
            out.append(f"> {text}" if line.quote else text)
        else:
            text = f"“{line.text}”" if line.quote else line.text
            out.append(f"{text}\n  {line.link}" if line.link else text)
    sep = "\n" if fmt == NotifyFormat.HTML else "\n\n"
    return sep.join(out)


def render(
    alerts: Sequence[Alert],
    fmt: NotifyFormat = NotifyFormat.TEXT,
    public_url: str | None = None,
    digest_of: str | None = None,
) -> tuple[str, str]:
    """(title, body) of one message for these alerts: one story, or (digest_of set, e.g.
    "30 min") every story of the period under one title."""
    groups = stories(alerts)
    if digest_of is None and len(groups) == 1:
        return story_title(groups[0]), _write(_story_lines(groups[0], public_url), fmt)
    title = (
        f"claimwatch digest ({digest_of}) · {len(alerts)} alerts in {len(groups)} stories"
        if digest_of
        else f"claimwatch · {len(alerts)} alerts in {len(groups)} stories"
    )
    lines: list[_Line] = []
    for group in groups:
        lines.append(_Line(story_title(group), strong=True))
        lines += _story_lines(group, public_url)
    return title, _write(lines, fmt)
