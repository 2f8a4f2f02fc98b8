"""The ingestor's parser: every bad input gets a specific reason, nothing else escapes."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from services.ingestor.handlers import split_body
from shared.errors import REASONS, Rejected
from shared.ingest import (
    html_to_text,
    parse_article,
    parse_article_with_warnings,
)
from shared.settings import Settings

SETTINGS = Settings(redis_url="redis://unused:6379/0")
GOOD = {
    "url": "https://example.org/a",
    "source": "Wire",
    "published_at": "2024-05-01T10:00:00Z",
    "title": "Talks resume",
    "text": "The mayor of Springfield said on Monday that the bridge would reopen next week "
    "after repairs, according to officials at the city council.",
}


def reason_of(raw: bytes | str) -> str:
    with pytest.raises(Rejected) as info:
        parse_article(raw, SETTINGS)
    return info.value.reason


def test_a_good_article_parses_with_a_stable_id() -> None:
    article = parse_article(json.dumps(GOOD), SETTINGS)
    assert article.id == parse_article(json.dumps(GOOD).encode(), SETTINGS).id
    assert article.id.startswith("art_")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "invalid_json"),
        (b"\xff\xfe\x00garbage", "binary"),
        (b'{"text": "caf\xe9"}', "invalid_utf8"),
        (json.dumps([1, 2]), "invalid_schema"),
        (json.dumps({**GOOD, "schema_version": 2}), "unsupported_version"),
        (json.dumps({"text": "hello"}), "missing_fields"),
        (json.dumps({**GOOD, "text": "   "}), "empty_text"),
        (json.dumps({**GOOD, "text": "<p> </p><div></div>"}), "empty_text"),
        (json.dumps({**GOOD, "published_at": "yesterday"}), "invalid_schema"),
        (json.dumps({**GOOD, "published_at": "2024-05-01T10:00:00"}), "invalid_schema"),
        (json.dumps({**GOOD, "text": "x" * 10_000_000}), "too_large"),
        (
            json.dumps({**GOOD, "text": "abc \x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c end"}),
            "binary",
        ),
        (
            json.dumps(
                {
                    **GOOD,
                    "text": "Le maire de Springfield a déclaré lundi que le pont rouvrirait la "
                    "semaine prochaine après des réparations, selon les responsables.",
                }
            ),
            "not_english",
        ),
    ],
)
def test_bad_inputs_get_specific_reasons(raw: bytes | str, reason: str) -> None:
    assert reason in REASONS
    assert reason_of(raw) == reason


def test_a_10mb_line_is_refused_before_parsing() -> None:
    raw = b'{"text": "' + b"a" * 10_000_000 + b'"}'
    assert reason_of(raw) == "too_large"


def test_html_is_stripped_to_text_with_a_warning() -> None:
    html = (
        "<html><head><style>p{}</style><script>alert(1)</script></head><body>"
        f"<h1>Bridge</h1><p>{GOOD['text']}</p><!-- note --></body></html>"
    )
    article, notes = parse_article_with_warnings(json.dumps({**GOOD, "text": html}), SETTINGS)
    assert "<" not in article.text and "alert(1)" not in article.text
    assert "mayor of Springfield" in article.text
    assert notes and notes[0].startswith("html_stripped")
    assert html_to_text("<p>a</p><p>b &amp; c</p>") == "a\nb & c"


def test_non_english_passes_when_not_required() -> None:
    relaxed = Settings(redis_url="redis://unused:6379/0", require_english=False)
    text = "Der Bürgermeister sagte am Montag, dass die Brücke nächste Woche wieder öffnet."
    assert parse_article(json.dumps({**GOOD, "text": text}), relaxed).text == text


def test_split_body_accepts_object_array_and_lines() -> None:
    one = json.dumps(GOOD).encode()
    assert split_body(one) == [one]
    assert len(split_body(json.dumps([GOOD, GOOD]).encode())) == 2
    assert split_body(one + b"\n{bad\n" + one) == [one, b"{bad", one]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=20,
)
article_like = st.fixed_dictionaries(
    {},
    optional={
        "url": st.one_of(st.none(), st.text(max_size=40)),
        "source": st.one_of(st.text(max_size=30), st.integers()),
        "published_at": st.one_of(
            st.text(max_size=30), st.just("2024-05-01T10:00:00Z"), st.integers()
        ),
        "title": st.one_of(st.text(max_size=40), st.none()),
        "text": st.one_of(st.text(max_size=400), st.binary(max_size=50).map(repr)),
        "schema_version": st.one_of(st.integers(-2, 3), st.text(max_size=3)),
        "store": st.text(max_size=20),
    },
)


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(json_values.map(json.dumps), article_like.map(json.dumps), st.binary(), st.text()))
def test_random_input_is_parsed_or_rejected_with_a_known_reason(raw: str | bytes) -> None:
    try:
        article = parse_article(raw, SETTINGS)
    except Rejected as exc:
        assert exc.reason in REASONS, exc.reason
        assert str(exc)
    else:
        assert article.text and article.source and article.id.startswith("art_")
