from datetime import UTC, datetime

from claimwatch.scoring import prf, score
from shared.domain.alerts import Alert, AlertKind, AmbiguousMention, Severity
from shared.domain.claims import Claim
from shared.domain.entities import EntityRef, EntityType

T = datetime(2025, 1, 1, tzinfo=UTC)
SUBJ = EntityRef(id="name:x", name="X", type=EntityType.PLACE)


def _claim(article: str) -> Claim:
    return Claim(article_id=article, source="s", published_at=T, subject=SUBJ,
                 relation="status", state="open", time=T, sentence="s", start=0,
                 end=1).with_id()


def pair_alert(a: str, b: str, n: int = 0) -> Alert:
    return Alert(id=f"alr_{a}{b}{n}", kind=AlertKind.STATUS, severity=Severity.HIGH, reason="r",
                 new=_claim(b), previous=_claim(a), created_at=T)


def amb_alert(article: str, text: str) -> Alert:
    m = AmbiguousMention(text=text, article_id=article, source="s", published_at=T,
                         sentence="", start=0, end=len(text))
    return Alert(id=f"alr_m{article}{text}", kind=AlertKind.AMBIGUITY, severity=Severity.LOW,
                 reason="r", mention=m, created_at=T)


SCENARIOS = [
    {"scenario": "s1", "articles": [],
     "expect": [{"between": ["a1", "a2"]}, {"ambiguous": "SevSk", "article": "a2"}],
     "forbid": [{"between": ["a1", "a3"]}]},
    {"scenario": "s2", "articles": [], "expect": [{"between": ["a1", "a2"]}], "forbid": []},
]


def test_pairs_count_once_in_either_order_and_mentions_case_insensitive() -> None:
    alerts = {
        "s1": [pair_alert("a2", "a1"), pair_alert("a1", "a2", 1), amb_alert("a2", "sevsk")],
        "s2": [pair_alert("a1", "a2")],
    }
    result = score(SCENARIOS, alerts)
    assert (result["tp"], result["fp"], result["fn"]) == (3, 0, 0)
    assert result["precision"] == result["recall"] == result["f1"] == 1.0


def test_forbidden_unlisted_and_missing() -> None:
    alerts = {
        "s1": [pair_alert("a1", "a3"), pair_alert("a2", "a3"), amb_alert("a1", "Paris")],
        "s2": [],
    }
    result = score(SCENARIOS, alerts)
    assert (result["tp"], result["fp"], result["fn"]) == (0, 3, 3)
    s1 = result["scenarios"][0]
    assert s1["forbidden_hit"] == [["a1", "a3"]]
    assert ["a2", "a3"] in s1["false_positives"]
    assert result["precision"] == 0.0 and result["recall"] == 0.0


def test_prf_micro_average() -> None:
    p, r, f = prf(3, 1, 2)
    assert p == 0.75 and r == 0.6
    assert abs(f - 2 * 0.75 * 0.6 / 1.35) < 1e-9
    assert prf(0, 0, 0) == (1.0, 1.0, 1.0)
