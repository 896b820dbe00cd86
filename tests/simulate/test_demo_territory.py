"""The demo territory: deterministic, referentially intact, realistic and compliant with consent."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import replace
from datetime import date

import pytest
import zipcodes
from hypothesis import given
from hypothesis import strategies as st

from repcompanion.domain import (
    ACTION_CHANNEL,
    ActionType,
    Channel,
    ConsentState,
    EventType,
    Segment,
    ValidationError,
    effective_consent,
)
from repcompanion.simulate import CONTACT_OF_ACTION, TOPICS, DemoTerritory, generate_territory, hcp_value, npi_is_valid
from repcompanion.simulate.people import npi_check_digit


def _fingerprint(demo: DemoTerritory) -> str:
    h = hashlib.sha256()
    for table in (
        [demo.territory],
        demo.hcps,
        demo.accounts,
        demo.alignments,
        demo.products,
        demo.content,
        demo.consents,
        demo.call_plans,
        demo.events,
    ):
        for record in table:
            h.update(repr(record).encode())
    h.update(repr(sorted(demo.truth.params.items())).encode())
    return h.hexdigest()


def test_same_seed_gives_identical_territory() -> None:
    assert _fingerprint(generate_territory(hcps=40, seed=11)) == _fingerprint(generate_territory(hcps=40, seed=11))


def test_different_seed_gives_different_territory() -> None:
    assert _fingerprint(generate_territory(hcps=40, seed=11)) != _fingerprint(generate_territory(hcps=40, seed=12))


def test_default_territory_has_the_promised_shape(demo: DemoTerritory) -> None:
    s = demo.summary()
    assert s["hcps"] == 300 and s["state"] == "MA"
    assert 40 <= s["content"] <= 80
    assert 2 <= s["products"] <= 3
    assert 150 * 300 <= s["events"] <= 260 * 300
    assert s["history_from"] >= "2024-11-24" and s["history_to"] < demo.today.isoformat()
    assert len({e.id for e in demo.events}) == len(demo.events)
    assert len({c.id for c in demo.consents}) == len(demo.consents)
    assert all(re.fullmatch(r"H\d{5}", h.id) for h in demo.hcps)
    assert all(re.fullmatch(r"A\d{4}", a.id) for a in demo.accounts)
    assert all(re.fullmatch(r"C\d{3}", c.id) for c in demo.content)
    types = Counter(e.type for e in demo.events)
    for t in (
        EventType.VISIT,
        EventType.REMOTE_CALL,
        EventType.EMAIL_SENT,
        EventType.EMAIL_OPENED,
        EventType.EMAIL_CLICKED,
        EventType.WEB_VISIT,
        EventType.EVENT_INVITED,
        EventType.EVENT_ATTENDED,
        EventType.SAMPLE_DROP,
        EventType.MSL_VISIT,
    ):
        assert types[t] > 0, t


def test_every_reference_points_to_an_existing_record(demo: DemoTerritory) -> None:
    hcps = {h.id for h in demo.hcps}
    accounts = {a.id for a in demo.accounts}
    content = {c.id for c in demo.content}
    products = {p.id for p in demo.products}
    assert all(a.parent_id is None or a.parent_id in accounts for a in demo.accounts)
    for h in demo.hcps:
        assert [a.primary for a in h.affiliations].count(True) == 1
        assert all(a.account_id in accounts for a in h.affiliations)
    assert all(c.product_id in products for c in demo.content)
    assert all(c.hcp_id in hcps for c in demo.consents)
    assert all(p.hcp_id in hcps and p.territory_id == demo.territory.id for p in demo.call_plans)
    assert {a.hcp_id for a in demo.alignments} == hcps
    for e in demo.events:
        assert e.hcp_id in hcps
        assert e.content_id is None or e.content_id in content
        assert e.product_id is None or e.product_id in products
        assert set(e.topics) <= set(TOPICS)


def test_every_npi_passes_the_luhn_check_and_is_unique(demo: DemoTerritory) -> None:
    npis = [h.npi for h in demo.hcps] + [a.npi for a in demo.accounts]
    assert all(n is not None and npi_is_valid(n) for n in npis)
    assert len(set(npis)) == len(npis)
    assert npi_is_valid("1234567893")  # the CMS worked example
    assert not npi_is_valid("1234567890")


@given(st.integers(min_value=0, max_value=10**8 - 1), st.sampled_from("12"))
def test_check_digit_makes_any_npi_base_valid(body: int, first: str) -> None:
    base = f"{first}{body:08d}"
    assert npi_is_valid(base + str(npi_check_digit(base)))
    wrong = (npi_check_digit(base) + 1) % 10
    assert not npi_is_valid(base + str(wrong))


def test_addresses_are_real_zip_centroids_of_the_state(demo: DemoTerritory) -> None:
    for a in [h.address for h in demo.hcps] + [a.address for a in demo.accounts]:
        (row,) = zipcodes.matching(a.zip)
        assert row["state"] == "MA" and row["city"] == a.city
        assert (a.latitude, a.longitude) == (float(row["lat"]), float(row["long"]))
        assert re.fullmatch(r"\d+ [A-Z][A-Za-z. ]+", a.line1)
    towns = Counter(h.address.city for h in demo.hcps)
    assert towns.most_common(1)[0][1] >= 15  # practices cluster in the big towns


def test_any_state_is_accepted_and_an_unknown_one_is_refused() -> None:
    texas = generate_territory(hcps=20, state="tx", years=0.25)
    assert {h.address.state for h in texas.hcps} == {"TX"}
    with pytest.raises(ValidationError, match=r"unknown US state|no ZIP codes"):
        generate_territory(hcps=5, state="ZZ")
    with pytest.raises(ValidationError):
        generate_territory(hcps=0)


def test_hcps_have_a_realistic_mix(demo: DemoTerritory) -> None:
    codes = Counter(h.specialty_code for h in demo.hcps)
    assert {"207RC0000X", "207Q00000X", "207R00000X", "363L00000X", "363A00000X"} <= set(codes)
    assert len(codes) >= 8
    creds = {h.credentials for h in demo.hcps}
    assert {"MD", "DO", "PA-C"} <= creds
    assert all(h.credentials == "PA-C" for h in demo.hcps if h.specialty_code.startswith("363A"))
    mean_decile = {
        s: sum(h.decile for h in demo.hcps if h.segment is s) / max(1, sum(h.segment is s for h in demo.hcps))
        for s in Segment
    }
    assert mean_decile[Segment.A] > mean_decile[Segment.B] > mean_decile[Segment.C] > mean_decile[Segment.D]
    assert all(1 <= h.decile <= 10 for h in demo.hcps)
    assert all((h.planned_visits > 0) == h.target for h in demo.hcps)
    assert 0 < sum(h.do_not_contact for h in demo.hcps) < 20
    assert len({h.preferred_channel for h in demo.hcps}) >= 3
    assert all(h.email.endswith(".example.org") and h.phone for h in demo.hcps)
    assert len({(h.first_name, h.last_name) for h in demo.hcps}) > 250


def test_content_library_has_expired_and_future_items_with_allowed_placeholders(demo: DemoTerritory) -> None:
    today = demo.today
    assert any(c.valid_to < today for c in demo.content)
    assert any(c.valid_from > today for c in demo.content)
    assert sum(c.is_valid_on(today) for c in demo.content) >= 20
    assert Counter(c.channel for c in demo.content).most_common(1)[0][0] is Channel.EMAIL
    assert {c.channel for c in demo.content} >= {Channel.EMAIL, Channel.IN_PERSON}
    assert all(re.fullmatch(r"US-[A-Z]{3}-\d{4} v\d", c.mlr_code) for c in demo.content)
    assert len({c.mlr_code for c in demo.content}) == len(demo.content)
    for c in demo.content:
        assert c.topics and set(c.topics) <= set(TOPICS)
        placeholders = set(re.findall(r"\{(\w+)\}", c.subject + c.body))
        assert placeholders <= {"first_name", "last_name", "credentials", "unsubscribe_url"}
        assert c.body.format(first_name="A", last_name="B", credentials="MD", unsubscribe_url="u")
    assert all(p.sample_limit_per_visit > 0 for p in demo.products)


def test_consent_is_per_channel_and_not_universal(demo: DemoTerritory) -> None:
    for channel in (Channel.IN_PERSON, Channel.EMAIL, Channel.REMOTE_MEETING, Channel.SMS):
        assert any(c.channel is channel for c in demo.consents), channel
    email_ok = sum(demo.truth.consent_allows(h.id, ActionType.EMAIL, demo.today) for h in demo.hcps)
    assert 0.3 * len(demo.hcps) < email_ok < 0.9 * len(demo.hcps)
    assert any(c.state is ConsentState.OPT_OUT for c in demo.consents)
    assert any(c.expires_at is not None for c in demo.consents)
    assert {"signed form", "web preference centre", "rep captured"} <= {c.source for c in demo.consents}
    by_hcp: dict[str, list] = {}
    for c in demo.consents:
        by_hcp.setdefault(c.hcp_id, []).append(c)
    later_opt_outs = [
        c
        for c in demo.consents
        if c.state is ConsentState.OPT_OUT
        and any(
            o.channel is c.channel and o.state is ConsentState.OPT_IN and o.captured_at < c.captured_at
            for o in by_hcp[c.hcp_id]
        )
    ]
    assert later_opt_outs


def test_no_company_contact_without_consent_at_that_time(demo: DemoTerritory) -> None:
    by_hcp: dict[str, list] = {}
    for c in demo.consents:
        by_hcp.setdefault(c.hcp_id, []).append(c)
    dnc = {h.id for h in demo.hcps if h.do_not_contact}
    checked = 0
    for e in demo.events:
        action = CONTACT_OF_ACTION.get(e.type)
        if action is None:
            continue
        assert e.hcp_id not in dnc
        channel = ACTION_CHANNEL[action]
        record = effective_consent(by_hcp.get(e.hcp_id, []), channel, e.occurred_at)
        assert record is not None and record.allows(e.occurred_at), e
        checked += 1
    assert checked > 10_000


def test_call_plan_for_every_target_in_the_current_quarter(demo: DemoTerritory) -> None:
    plans = {p.hcp_id: p for p in demo.call_plans}
    assert set(plans) == {h.id for h in demo.hcps if h.target}
    for h in demo.hcps:
        if h.target:
            p = plans[h.id]
            assert (p.period_start, p.period_end) == (date(2026, 10, 1), date(2026, 12, 31))
            assert p.planned_visits == h.planned_visits


def test_value_grows_with_segment_and_decile(demo: DemoTerritory) -> None:
    a = next(h for h in demo.hcps if h.segment is Segment.A)
    d = next(h for h in demo.hcps if h.segment is Segment.D)
    assert hcp_value(replace(a, decile=5)) > hcp_value(replace(d, decile=5))
    assert hcp_value(replace(a, decile=9)) > hcp_value(replace(a, decile=3)) > 0
