"""Journey files: refused at load with the file and line; evaluation plans or suppresses with the reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repcompanion.domain import (
    Address,
    Channel,
    Consent,
    ConsentId,
    ConsentState,
    Content,
    ContentId,
    FollowUpStatus,
    Hcp,
    HcpId,
    ProductId,
    Segment,
)
from repcompanion.intel.journeys import (
    HcpContext,
    JourneyError,
    TriggerEvent,
    default_journey_dir,
    evaluate,
    load_journeys,
)

AT = datetime(2026, 11, 24, 15, tzinfo=UTC)
CONTENT = [
    Content(
        ContentId("C1"),
        "CARDIVA efficacy: the CARDI-1 results",
        ProductId("P1"),
        ("efficacy",),
        Channel.EMAIL,
        "US-CAR-0001 v1",
        date(2026, 1, 1),
        date(2027, 12, 31),
        subject="CARDI-1",
        body="Dear {first_name} {last_name}. {unsubscribe_url}",
    ),
    Content(
        ContentId("C2"),
        "Draft deck",
        ProductId("P1"),
        ("efficacy",),
        Channel.EMAIL,
        "",
        date(2026, 1, 1),
        date(2027, 1, 1),
    ),
]
HCP = Hcp(
    HcpId("H1"),
    "1",
    "Ada",
    "Lovelace",
    "MD",
    "207RC0000X",
    "Cardiology",
    Segment.A,
    9,
    Address("1 Main", "", "Boston", "MA", "02110"),
)
EMAIL_IN = Consent(
    ConsentId("K1"), HcpId("H1"), Channel.EMAIL, ConsentState.OPT_IN, datetime(2025, 1, 1, tzinfo=UTC), "crm"
)

GOOD = """format = 1

[[journey]]
id = "efficacy-email"
version = 2
trigger = { on = "call_report", topics = ["efficacy"] }
conditions = { consent = true, max_emails = 1, per = "7d" }
action = { do = "send_email", content = "C1", within = "24h" }

[[journey]]
id = "msl-after-open"
version = 1
trigger = { on = "email_opened", after = "efficacy-email", within = "14d" }
action = { do = "suggest_msl_referral" }
"""


def _file(tmp_path: Path, text: str, name: str = "j.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "line", "words"),
    [
        (('content = "C1"', 'content = "C99"'), 8, "unknown content id 'C99'"),
        (('content = "C1"', 'content = "C2"'), 8, "has no MLR approval code"),
        (('within = "24h"', 'within = "soon"'), 8, "bad duration 'soon'"),
        (("version = 2\n", "version = 2\ncolour = 'red'\n"), 6, "unknown field 'colour'"),
        (("max_emails = 1", "max_email = 1"), 7, "unknown field 'max_email' in conditions"),
        (('after = "efficacy-email", ', ""), 10, "cycle"),
    ],
)
def test_a_bad_journey_file_is_refused_with_the_file_and_line(
    tmp_path: Path, edit: tuple[str, str], line: int, words: str
) -> None:
    text = GOOD.replace(*edit)
    if words == "cycle":  # opened → send another email → opened …: a loop without 'after'
        text += '\n[[journey]]\nid = "again"\nversion = 1\ntrigger = { on = "email_opened" }\n'
        text += 'action = { do = "send_email", content = "C1" }\n'
        line = 16
    path = _file(tmp_path, text)
    with pytest.raises(JourneyError) as err:
        load_journeys([path], CONTENT)
    assert f"{path}:{line}:" in err.value.message and words in err.value.message


def test_a_two_journey_cycle_names_both(tmp_path: Path) -> None:
    text = GOOD.replace('do = "suggest_msl_referral"', 'do = "send_email", content = "C1"')
    text = text.replace('on = "call_report", topics = ["efficacy"]', 'on = "email_opened", after = "msl-after-open"')
    path = _file(tmp_path, text)
    with pytest.raises(JourneyError) as err:
        load_journeys([path], CONTENT)
    assert f"{path}:" in err.value.message
    assert (
        "efficacy-email → msl-after-open" in err.value.message or "msl-after-open → efficacy-email" in err.value.message
    )


def test_the_shipped_journeys_load_against_the_demo_catalog() -> None:
    from repcompanion.simulate import generate_territory

    journeys = load_journeys([default_journey_dir()], generate_territory(hcps=5, seed=3, years=0.1).content)
    assert {"efficacy-email", "msl-after-open"} <= {j.id for j in journeys}


def _event(**kw: object) -> TriggerEvent:
    base = {
        "on": "call_report",
        "hcp_id": "H1",
        "at": AT,
        "source_id": "R1",
        "topics": ("efficacy",),
        "products": ("P1",),
        "label": "Visit",
    }
    return TriggerEvent(**{**base, **kw})  # type: ignore[arg-type]


def _plan(tmp_path: Path, ctx: HcpContext, **kw: object):
    journeys = load_journeys([_file(tmp_path, GOOD)], CONTENT)
    return evaluate(journeys, _event(**kw), ctx, {str(c.id): c for c in CONTENT})


def test_consent_schedules_the_approved_email_within_the_window(tmp_path: Path) -> None:
    [p] = _plan(tmp_path, HcpContext(HCP, [EMAIL_IN]))
    assert (p.status, p.content_id, p.due_at) == (FollowUpStatus.SCHEDULED, "C1", AT + timedelta(hours=24))
    assert "US-CAR-0001 v1" in p.reason and p.consent.startswith("email opt-in")


@pytest.mark.parametrize(
    ("ctx", "why"),
    [
        (HcpContext(HCP, []), "no email consent on file"),
        (HcpContext(HCP, [EMAIL_IN, replace(EMAIL_IN, id="K2", state=ConsentState.OPT_OUT)]), "email opt-out"),
        (HcpContext(HCP, [replace(EMAIL_IN, expires_at=AT - timedelta(days=1))]), "email consent expired"),
        (HcpContext(HCP, [EMAIL_IN], [AT - timedelta(days=3)]), "frequency cap"),
        (HcpContext(replace(HCP, do_not_contact=True), [EMAIL_IN]), "do-not-contact"),
    ],
)
def test_a_rule_that_fails_suppresses_the_follow_up_and_says_why(tmp_path: Path, ctx: HcpContext, why: str) -> None:
    [p] = _plan(tmp_path, ctx)
    assert p.status is FollowUpStatus.SUPPRESSED and why in p.reason


def test_content_out_of_date_is_not_sent(tmp_path: Path) -> None:
    [p] = _plan(tmp_path, HcpContext(HCP, [EMAIL_IN]), at=datetime(2028, 1, 5, tzinfo=UTC))
    assert p.status is FollowUpStatus.SUPPRESSED and "valid 2026-01-01 to 2027-12-31" in p.reason


def test_a_deselected_journey_is_cancelled(tmp_path: Path) -> None:
    [p] = _plan(tmp_path, HcpContext(HCP, [EMAIL_IN]), skip=frozenset({"efficacy-email"}))
    assert p.status is FollowUpStatus.CANCELLED


@given(st.lists(st.integers(min_value=-20, max_value=20), max_size=6))
def test_at_most_one_journey_email_is_scheduled_per_seven_days(days_ago: list[int]) -> None:
    journeys = load_journeys([default_journey_dir()], CONTENT)
    sent = [AT - timedelta(days=d) for d in days_ago]
    [p] = [
        p
        for p in evaluate(journeys, _event(), HcpContext(HCP, [EMAIL_IN], sent), {str(c.id): c for c in CONTENT})
        if p.journey == "efficacy-email"
    ]
    window = [t for t in sent if AT - timedelta(days=7) < t <= AT + timedelta(hours=24)]
    assert (p.status is FollowUpStatus.SCHEDULED) == (not window)


OTHER_PRODUCT = Content(
    ContentId("C0"),
    "GLYTESSA efficacy",
    ProductId("P2"),
    ("efficacy",),
    Channel.EMAIL,
    "US-GLY-0001 v1",
    date(2026, 1, 1),
    date(2027, 12, 31),
)


BY_TOPIC = GOOD.replace('content = "C1"', 'topic = "efficacy"')


def _plan_with(tmp_path: Path, catalog: list[Content], **kw: object):
    journeys = load_journeys([_file(tmp_path, BY_TOPIC)], catalog)
    return evaluate(journeys, _event(**kw), HcpContext(HCP, [EMAIL_IN]), {str(c.id): c for c in catalog})


def test_the_email_carries_content_for_the_product_discussed_never_another_products(tmp_path: Path) -> None:
    catalog = [OTHER_PRODUCT, *CONTENT]  # C0 (another product) sorts first by id
    [p1] = [p for p in _plan_with(tmp_path, catalog, products=("P1",)) if p.journey == "efficacy-email"]
    assert (p1.status, p1.content_id) == (FollowUpStatus.SCHEDULED, "C1")
    [p2] = [p for p in _plan_with(tmp_path, catalog, products=("P2", "P1")) if p.journey == "efficacy-email"]
    assert p2.content_id == "C0"  # the first product discussed comes first
    [p3] = [p for p in _plan_with(tmp_path, [OTHER_PRODUCT], products=("P1",)) if p.journey == "efficacy-email"]
    assert p3.status is FollowUpStatus.SUPPRESSED and "for P1" in p3.reason and p3.content_id is None
    pinned = evaluate(
        load_journeys([_file(tmp_path, GOOD)], catalog),
        _event(products=("P2",)),
        HcpContext(HCP, [EMAIL_IN]),
        {str(c.id): c for c in catalog},
    )
    [p4] = [p for p in pinned if p.journey == "efficacy-email"]
    assert p4.status is FollowUpStatus.SUPPRESSED and "not a product discussed" in p4.reason


def test_a_visit_that_names_no_product_sends_no_content(tmp_path: Path) -> None:
    [p] = [p for p in _plan_with(tmp_path, CONTENT, products=()) if p.journey == "efficacy-email"]
    assert p.status is FollowUpStatus.SUPPRESSED and "names no product" in p.reason


def test_withdrawn_content_is_not_sent(tmp_path: Path) -> None:
    withdrawn = replace(CONTENT[0], withdrawn_at=datetime(2026, 11, 1, tzinfo=UTC), withdrawn_reason="label update")
    [p] = [p for p in _plan_with(tmp_path, [withdrawn, CONTENT[1]]) if p.journey == "efficacy-email"]
    assert p.status is FollowUpStatus.SUPPRESSED and p.content_id is None
