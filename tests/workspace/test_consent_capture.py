"""Consent a rep captures in person: append-only, in force at once on the laptop, queued, and applied by the hub."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest

from repcompanion.domain import (
    ActionType,
    CallType,
    Channel,
    ConsentState,
    FollowUpStatus,
    MutationKind,
    NotFoundError,
    ValidationError,
)
from repcompanion.domain.rows import consent_to_row
from repcompanion.workspace import Workspace
from repcompanion.workspace.consent import CONSENT_WAYS
from tests.sync.conftest import hub, hub_template, make_device, make_hub  # noqa: F401  (fixtures)

HOW = CONSENT_WAYS[0]


def emailable(ws: Workspace) -> str:
    """An HCP who agreed to e-mail (so an opt-out visibly changes what may be done)."""
    return next(
        s.hcp_id
        for s in ws.ranking.priorities()
        if (c := ws.directory.consents(s.hcp_id)[Channel.EMAIL]) is not None and c.allows(ws.now())
    )


def test_an_opt_out_is_kept_queued_and_in_force_at_once(ws: Workspace) -> None:
    hcp_id = emailable(ws)
    hcp = ws.directory.hcp(hcp_id)
    before = len(ws.store.consents_for(hcp_id))
    outcome = ws.directory.capture_consent(
        hcp_id, Channel.EMAIL, ConsentState.OPT_OUT, given_on=ws.today(), how=HOW, typed_name=f"Dr {hcp.last_name}"
    )
    consent = outcome.value
    assert consent.source == f"rep: {HOW}" and consent.proof == f"Dr {hcp.last_name}"
    assert outcome.changes.touches(hcp_id) and outcome.changes.ranking and outcome.changes.uploads
    assert len(ws.store.consents_for(hcp_id)) == before + 1  # appended, nothing overwritten
    assert ws.directory.consents(hcp_id)[Channel.EMAIL] == consent
    [queued] = [m for m in ws.store.outbox.all() if m.kind is MutationKind.CONSENT_CAPTURE]
    assert queued.entity_id == consent.id and queued.payload == consent_to_row(consent)
    [now] = ws.ranking.suggestions(hcp_id) or [None]
    assert now is None or now.action is not ActionType.EMAIL
    blocked = {k: why for k, why in ws.ranking.blocked(hcp_id).items() if k.startswith(ActionType.EMAIL.value)}
    assert blocked and all("opted out" in why.lower() for why in blocked.values()), blocked
    preview = ws.followups.preview(ws.visits.new(hcp_id).edited(topics=("efficacy",)))
    emails = [f for f in preview if f.channel is Channel.EMAIL]
    assert emails and all(f.status is FollowUpStatus.SUPPRESSED and "opt-out" in f.consent for f in emails), emails


def test_a_later_opt_in_is_a_new_record_and_the_latest_wins(ws: Workspace) -> None:
    hcp = ws.directory.hcps()[3]
    name = f"{hcp.first_name} {hcp.last_name}"
    out = ws.directory.capture_consent(
        hcp.id, Channel.SMS, ConsentState.OPT_OUT, given_on=ws.today() - timedelta(days=2), how=HOW, typed_name=name
    ).value
    back_in = ws.directory.capture_consent(
        hcp.id, Channel.SMS, ConsentState.OPT_IN, given_on=ws.today(), how=HOW, typed_name=name
    ).value
    assert back_in.id != out.id and ws.directory.consents(hcp.id)[Channel.SMS] == back_in
    assert {c.id for c in ws.store.consents_for(hcp.id)} >= {out.id, back_in.id}


@pytest.mark.parametrize(
    ("how", "typed", "days", "message"),
    [
        ("", "{last}", 0, "how the consent was given"),
        (HOW, "  ", 0, "type their name"),
        (HOW, "Somebody Else", 0, "does not contain"),
        (HOW, "{last}", -1, "a day to come"),
    ],
)
def test_an_incomplete_capture_is_refused_and_nothing_is_written(
    ws: Workspace, how: str, typed: str, days: int, message: str
) -> None:
    hcp = ws.directory.hcps()[0]
    with pytest.raises(ValidationError, match=message):
        ws.directory.capture_consent(
            hcp.id,
            Channel.EMAIL,
            ConsentState.OPT_IN,
            given_on=ws.today() - timedelta(days=days),
            how=how,
            typed_name=typed.format(last=hcp.last_name.upper()),
        )
    assert ws.store.outbox.all() == []
    with pytest.raises(NotFoundError):
        ws.directory.capture_consent(
            "H-NOPE", Channel.EMAIL, ConsentState.OPT_IN, given_on=ws.today(), how=HOW, typed_name="x"
        )


def test_a_captured_opt_out_reaches_the_hub_and_stops_its_follow_up_emails(hub, make_device, tmp_path) -> None:  # noqa: F811
    laptop = make_device(hub)
    laptop.login()
    laptop.client.sync()
    rep = Workspace(laptop.store, tmp_path)
    agreed = [
        h
        for h in hub.hcps_of("T-001")
        if (c := rep.directory.consents(h)[Channel.EMAIL]) is not None and c.allows(rep.now())
    ]
    assert len(agreed) >= 2, "the seeded territory has HCPs who agreed to e-mail"
    opted_out, control = (rep.directory.hcp(h) for h in agreed[:2])
    consent = rep.directory.capture_consent(
        opted_out.id,
        Channel.EMAIL,
        ConsentState.OPT_OUT,
        given_on=rep.today(),
        how=HOW,
        typed_name=opted_out.last_name,
    ).value
    # the product whose approved efficacy e-mail the journey sends (only a product discussed gets content)
    product = min(
        str(c.product_id) for c in rep.directory.content() if "efficacy" in c.topics and c.channel.value == "email"
    )
    for hcp in (opted_out, control):
        visit = rep.visits.new(hcp.id, call_type=CallType.IN_PERSON).edited(topics=("efficacy",), products=(product,))
        rep.visits.submit(visit)
    laptop.client.sync()
    assert laptop.store.outbox.pending_count() == 0
    [pushed] = [m for m in laptop.store.outbox.all() if m.entity_id == consent.id]
    assert hub.mutation_rows(pushed.id) == [("applied", consent.id)]
    stored = "id = :i AND state = 'opt_out' AND source = :s AND proof = :p"
    assert hub.count("consents", stored, i=consent.id, s=consent.source, p=opted_out.last_name) == 1
    emails = "hcp_id = :h AND action = 'send_email' AND status = 'scheduled'"
    assert hub.count("follow_ups", emails, h=control.id) >= 1, "the same visit schedules an e-mail otherwise"
    assert hub.count("follow_ups", emails, h=opted_out.id) == 0, "no e-mail for an HCP who opted out in person"
    laptop.client.sync()  # the hub's copy comes back down unchanged
    assert rep.directory.consents(opted_out.id)[Channel.EMAIL] == consent


def test_the_command_line_records_and_lists_consent(folder, tmp_path, capsys) -> None:
    from repcompanion.cli import main

    shutil.copytree(folder, tmp_path / "cli")
    with Workspace.open(tmp_path / "cli") as w:
        hcp = w.directory.hcps()[5]
    where = ["--workspace", str(tmp_path / "cli")]
    args = ["consent", "capture", *where, "--hcp", hcp.id, "--channel", "sms", "--opt-out"]
    assert main([*args, "--how", "in person, signed", "--name", f"{hcp.first_name} {hcp.last_name}"]) == 0
    assert "sms opt-out" in capsys.readouterr().out
    assert main([*args, "--how", "in person", "--name", "Someone Else"]) == 1
    assert "does not contain" in capsys.readouterr().err
    assert main(["consent", "list", *where, "--hcp", hcp.id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["in_force"]["sms"] == "opt_out"
    assert shown["records"][0]["source"] == "rep: in person, signed"
    with Workspace.open(tmp_path / "cli") as w:
        assert [m.kind for m in w.store.outbox.all()] == [MutationKind.CONSENT_CAPTURE]
