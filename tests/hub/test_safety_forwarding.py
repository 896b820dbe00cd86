"""Adverse-event intakes reach the pharmacovigilance mailbox (a real SMTP server on loopback) once, on the clock."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from repcompanion.domain.enums import MutationKind
from repcompanion.hub import safety
from repcompanion.hub.cli import main
from repcompanion.hub.db import schema
from repcompanion.hub.delivery import DeliveryReport
from repcompanion.hub.safety import forwarding
from tests.e2e.conftest import Inbox, free_port
from tests.hub.conftest import Hub

PV = "pv-intake@pharma.example"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def intake(hcp: str, intake_id: str, aware_at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "id": intake_id,
        "hcp_id": hcp,
        "description": "Patient developed a widespread rash two days after the first dose.",
        "aware_at": aware_at.isoformat(),
        "created_at": (aware_at + timedelta(minutes=5)).isoformat(),
        "call_report_id": None,
        "product_id": "P1",
        "reporter": "Dr Reporter",
        "patient_details": "female, 54",
        "seriousness": "serious",
        "categories": '["side_effect", "skin"]',
        "status": "queued",
        "forwarded_at": None,
    } | extra


def push_intakes(hub: Hub, *intakes: tuple[str, str, datetime]) -> None:
    """Push (hcp, intake id, aware at) intakes from rep01's device in one push."""
    rep = hub.rep()
    results = rep.push(
        [rep.mutation(MutationKind.AE_INTAKE.value, i, intake(hcp, i, aware)) for hcp, i, aware in intakes]
    )
    assert [r["status"] for r in results] == ["applied"] * len(intakes), results


def mailbox_config(port: int) -> safety.PvMailbox:
    return safety.PvMailbox(host="127.0.0.1", port=port, to=PV, sender="safety-hub@pharma.example", timeout_s=5)


def hcp_row(hub: Hub, hcp_id: str) -> dict[str, Any]:
    with hub.db.read() as conn:
        h = schema.synced["hcps"]
        return dict(conn.execute(select(h).where(h.c.id == hcp_id)).mappings().one())


def test_an_intake_pushed_by_a_rep_reaches_the_pv_mailbox_exactly_once_with_every_field(
    hub: Hub, smtp: tuple[Inbox, int], capsys: pytest.CaptureFixture[str]
) -> None:
    mailbox, port = smtp
    hcp = hub.hcps_of("T-001")[0]
    aware = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    push_intakes(hub, (hcp, "AE-0001", aware))
    forward = ["safety", "forward", "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--to", PV]
    forward += ["--from", "safety-hub@pharma.example", "--db", hub.url]
    assert main(forward) == 0
    assert "forwarded intake AE-0001" in capsys.readouterr().out
    assert main(forward) == 0  # nothing left to send
    assert len(mailbox.messages) == 1
    rcpt, msg = mailbox.recipients[0], mailbox.messages[0]
    assert rcpt == [PV] and msg["To"] == PV
    assert msg["Message-ID"] == safety.message_id("AE-0001", "safety-hub@pharma.example")
    assert msg["Message-ID"] == "<ae-intake.AE-0001@pharma.example>"
    assert msg["Date"] and "AE-0001" in msg["Subject"] and "serious" in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    h = hcp_row(hub, hcp)
    due = aware + timedelta(hours=24)
    for expected in (
        "widespread rash",
        "Seriousness:          serious",
        f"Rep became aware:     {aware:%Y-%m-%d %H:%M} UTC",
        f"Report due by:        {due:%Y-%m-%d %H:%M} UTC",
        f"{h['first_name']}",
        f"{h['last_name']}",
        f"NPI:        {h['npi']}",
        "User:       rep01",
        "Territory:  T-001",
        "Device:     device-a",
        "Dr Reporter",
        "female, 54",
        "side_effect, skin",
    ):
        assert expected in body, expected
    assert "Product:              Corvenza (" in body and "id P1" in body
    attachment = next(msg.iter_attachments())
    record = json.loads(attachment.get_content())
    assert record["id"] == "AE-0001" and record["hcp"]["npi"] == h["npi"] and record["due_at"] == due.isoformat()
    assert record["categories"] == "side_effect;skin"  # the attachment keeps the form PV has always received
    with hub.db.read() as conn:
        stored = conn.execute(select(schema.ae_intakes).where(schema.ae_intakes.c.id == "AE-0001")).mappings().one()
    assert stored["status"] == "forwarded" and stored["forwarded_at"]


def test_a_crash_between_smtp_accept_and_marking_resends_once_with_the_same_message_id(
    hub: Hub, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox, port = smtp
    push_intakes(hub, (hub.hcps_of("T-001")[0], "AE-CRASH", datetime.now(UTC) - timedelta(hours=1)))

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed after the SMTP server accepted the report")

    monkeypatch.setattr(forwarding, "_mark_forwarded", crash)
    with pytest.raises(RuntimeError):
        safety.forward_pending(hub.db, mailbox_config(port))
    assert len(mailbox.messages) == 1
    [clock] = safety.intake_clocks(hub.db)
    assert clock.forwarded_at is None  # the claim rolled back with the crash: still owed to PV
    monkeypatch.undo()
    assert safety.forward_pending(hub.db, mailbox_config(port)).sent == ["AE-CRASH"]
    assert safety.forward_pending(hub.db, mailbox_config(port)).sent == []
    assert len(mailbox.messages) == 2
    ids = {m["Message-ID"] for m in mailbox.messages}
    assert ids == {"<ae-intake.AE-CRASH@pharma.example>"}
    assert safety.intake_clocks(hub.db)[0].forwarded_at is not None


def test_safety_list_shows_the_clock_and_flags_an_unforwarded_intake_older_than_24_hours_as_overdue(
    hub: Hub, smtp: tuple[Inbox, int], capsys: pytest.CaptureFixture[str]
) -> None:
    _, port = smtp
    now = datetime.now(UTC)
    hcps = hub.hcps_of("T-001")
    push_intakes(hub, (hcps[0], "AE-OLD", now - timedelta(hours=30)), (hcps[1], "AE-NEW", now - timedelta(hours=1)))
    assert main(["safety", "list", "--db", hub.url]) == 0
    out = capsys.readouterr().out
    old = next(line for line in out.splitlines() if line.startswith("AE-OLD"))
    new = next(line for line in out.splitlines() if line.startswith("AE-NEW"))
    assert "OVERDUE by 6 h 0" in old
    assert "22 h 5" in new and "left" in new and "OVERDUE" not in new
    assert "2 not forwarded, 1 OVERDUE" in out

    assert main(["safety", "list", "--overdue", "--json", "--db", hub.url]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == ["AE-OLD"]
    assert rows[0]["overdue"] and not rows[0]["forwarded"] and rows[0]["seconds_left"] < -6 * 3600 + 60

    assert safety.forward_pending(hub.db, mailbox_config(port)).sent == ["AE-OLD", "AE-NEW"]  # nearest due first
    assert main(["safety", "list", "--json", "--db", hub.url]) == 0
    rows = {r["id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows["AE-OLD"]["forwarded"] and not rows["AE-OLD"]["overdue"]
    assert "LATE by 6 h" in rows["AE-OLD"]["clock"] and "on time" in rows["AE-NEW"]["clock"]
    assert main(["safety", "list", "--overdue", "--db", hub.url]) == 0
    assert "No overdue intakes." in capsys.readouterr().out


def test_an_smtp_server_that_is_down_leaves_the_intake_queued_with_the_error_visible(
    hub: Hub, smtp: tuple[Inbox, int], capsys: pytest.CaptureFixture[str]
) -> None:
    mailbox, live_port = smtp
    dead_port = free_port()
    push_intakes(hub, (hub.hcps_of("T-001")[0], "AE-DOWN", datetime.now(UTC) - timedelta(hours=3)))
    forward = ["safety", "forward", "--smtp-host", "127.0.0.1", "--smtp-port", str(dead_port), "--to", PV]
    assert main([*forward, "--db", hub.url]) == 1
    assert "NOT forwarded AE-DOWN: ConnectionRefusedError" in capsys.readouterr().err
    [clock] = safety.intake_clocks(hub.db)
    assert clock.forwarded_at is None and clock.attempts == 1 and "ConnectionRefusedError" in clock.last_error
    assert clock.next_attempt_at is not None and clock.next_attempt_at > datetime.now(UTC)

    assert main(["safety", "list", "--db", hub.url]) == 0
    out = capsys.readouterr().out
    assert "not sent after 1 attempt(s): ConnectionRefusedError" in out and "next try" in out

    # backing off: an immediate second pass does not hammer the server
    waiting = safety.forward_pending(hub.db, mailbox_config(dead_port))
    assert waiting.waiting == 1 and not waiting.failed and not waiting.sent
    later = datetime.now(UTC) + timedelta(minutes=1)
    again = safety.forward_pending(hub.db, mailbox_config(dead_port), now=later)
    assert [i for i, _ in again.failed] == ["AE-DOWN"]
    [clock] = safety.intake_clocks(hub.db)
    assert clock.attempts == 2 and clock.next_attempt_at == later + safety.backoff(2)

    # the server comes back: the retry delivers it
    done = safety.forward_pending(hub.db, mailbox_config(live_port), now=later + timedelta(minutes=5))
    assert done.sent == ["AE-DOWN"] and len(mailbox.messages) == 1
    [clock] = safety.intake_clocks(hub.db)
    assert clock.forwarded_at is not None and clock.last_error == "" and clock.attempts == 3


def test_backoff_doubles_and_is_capped_well_inside_the_24_hour_clock() -> None:
    assert [safety.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert safety.backoff(30) == safety.MAX_RETRY <= timedelta(minutes=15)
    assert safety.backoff(1000) == safety.MAX_RETRY  # a day-long outage of the PV mailbox: no overflow


def test_two_forwarders_running_at_once_deliver_each_intake_exactly_once(hub: Hub, smtp: tuple[Inbox, int]) -> None:
    mailbox, port = smtp
    hcps = hub.hcps_of("T-001")
    now = datetime.now(UTC)
    push_intakes(hub, *((hcps[n % len(hcps)], f"AE-PAR-{n}", now - timedelta(hours=n)) for n in range(6)))
    barrier = threading.Barrier(2)
    results: list[DeliveryReport] = []

    def worker() -> None:
        barrier.wait()
        results.append(safety.forward_pending(hub.db, mailbox_config(port)))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    forwarded = [i for r in results for i in r.sent]
    assert sorted(forwarded) == [f"AE-PAR-{n}" for n in range(6)]
    assert len(mailbox.messages) == 6
    assert len({m["Message-ID"] for m in mailbox.messages}) == 6


def test_a_later_re_push_of_a_forwarded_intake_does_not_send_a_second_report(hub: Hub, smtp: tuple[Inbox, int]) -> None:
    mailbox, port = smtp
    hcp = hub.hcps_of("T-001")[0]
    aware = datetime.now(UTC) - timedelta(hours=2)
    rep = hub.rep()
    first = rep.mutation(MutationKind.AE_INTAKE.value, "AE-AGAIN", intake(hcp, "AE-AGAIN", aware))
    assert rep.push([first])[0]["status"] == "applied"
    assert safety.forward_pending(hub.db, mailbox_config(port)).sent == ["AE-AGAIN"]
    # the device queues the intake again (its copy still says queued, not forwarded)
    again = rep.mutation(MutationKind.AE_INTAKE.value, "AE-AGAIN", intake(hcp, "AE-AGAIN", aware))
    assert rep.push([again])[0]["status"] == "applied"
    assert safety.forward_pending(hub.db, mailbox_config(port)).sent == []
    assert len(mailbox.messages) == 1
    [clock] = safety.intake_clocks(hub.db)
    assert clock.forwarded_at is not None and not clock.overdue(datetime.now(UTC) + timedelta(days=2))


QA = "quality@pharma.example"


def test_complaints_go_to_the_quality_mailbox_adverse_events_to_pv_and_an_intake_that_is_both_to_both(
    hub: Hub, smtp: tuple[Inbox, int]
) -> None:
    mailbox, port = smtp
    hcp = hub.hcps_of("T-001")[0]
    aware = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    rep = hub.rep()
    kinds = {
        "QC-1": ('["device_malfunction"]', '["pen jammed"]'),
        "AE-2": ('["adverse_event"]', '["rash"]'),
        "MIX-3": ('["device_malfunction", "adverse_event"]', '["pen jammed", "bruising"]'),
    }
    results = rep.push(
        [
            rep.mutation(
                MutationKind.AE_INTAKE.value,
                key,
                intake(hcp, key, aware, categories=categories, triggers=triggers),
            )
            for key, (categories, triggers) in kinds.items()
        ]
    )
    assert [r["status"] for r in results] == ["applied"] * 3, results
    box = safety.PvMailbox(
        host="127.0.0.1", port=port, to=PV, quality_to=QA, sender="safety-hub@pharma.example", timeout_s=5
    )
    assert sorted(safety.forward_pending(hub.db, box).sent) == sorted(kinds)
    pairs = zip(mailbox.recipients, mailbox.messages, strict=True)
    sent = {msg["X-RepCompanion-Intake-Id"]: (rcpt, msg) for rcpt, msg in pairs}
    assert sent["QC-1"][0] == [QA] and sent["QC-1"][1]["Subject"].startswith("[Quality complaint]")
    assert sent["AE-2"][0] == [PV] and sent["AE-2"][1]["Subject"].startswith("[AE intake]")
    assert sorted(sent["MIX-3"][0]) == sorted([PV, QA])
    body = sent["MIX-3"][1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Triggering words:     pen jammed; bruising" in body
    assert "device malfunction, adverse event" in body
    record = json.loads(next(sent["QC-1"][1].iter_attachments()).get_content())
    assert record["triggers"] == ["pen jammed"]
    with hub.db.read() as conn:
        f = schema.ae_forwarding
        recipients = dict(conn.execute(select(f.c.intake_id, f.c.recipient)).all())
    assert recipients == {"QC-1": QA, "AE-2": PV, "MIX-3": f"{PV}, {QA}"}


def test_without_a_quality_mailbox_a_complaint_goes_to_pharmacovigilance(hub: Hub, smtp: tuple[Inbox, int]) -> None:
    mailbox, port = smtp
    hcp = hub.hcps_of("T-001")[0]
    aware = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    rep = hub.rep()
    row = intake(hcp, "QC-9", aware, categories='["foreign_matter"]', triggers='["particles"]')
    assert rep.push([rep.mutation(MutationKind.AE_INTAKE.value, "QC-9", row)])[0]["status"] == "applied"
    assert safety.forward_pending(hub.db, mailbox_config(port)).sent == ["QC-9"]
    assert mailbox.recipients == [[PV]]


def test_an_intake_an_earlier_release_pushed_without_triggers_is_still_forwarded(
    hub: Hub, smtp: tuple[Inbox, int]
) -> None:
    mailbox, port = smtp
    hcp = hub.hcps_of("T-001")[0]
    push_intakes(hub, (hcp, "OLD-1", datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)))
    assert safety.forward_pending(hub.db, mailbox_config(port)).sent == ["OLD-1"]
    body = mailbox.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Triggering words:     (none recorded)" in body
