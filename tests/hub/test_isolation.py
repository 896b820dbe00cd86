"""Territory isolation on every hub endpoint: a valid token of rep01 (T-001) reads and writes nothing of T-002.

Routes are enumerated from ``app.routes`` when the test runs, so endpoints added later are attacked too. For
each route and method, rep01 aims at T-002's HCPs, call reports, consents and adverse-event intakes (in the
path, the query and the body, including a push of mutations that reuse T-002's ids). Then: no reply carries
T-002 data that rep01 did not send itself, every write aimed at T-002 is refused, and the hub's rows of
T-002 (and what rep02 pulls) are exactly what they were. Two deliberate exceptions, checked explicitly: a
report or an adverse event heard about another territory's HCP is kept for the manager / pharmacovigilance
(orphan_reports, ae_intakes tagged with rep01's territory), never shown to T-002 and never synced.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, text
from starlette.routing import Route

from repcompanion.domain.ids import uuid7
from tests.hub.conftest import Hub, Rep

NOTE = "T2-SECRET-NOTE-about-the-patient"
AE_TEXT = "T2-SECRET-AE-severe-rash"
#: written only by rep01's own sends, never T-002 data: new AE intakes and orphan reports it reports itself
SELF_REPORTED = ("ae_intakes", "orphan_reports", "mutations")


def _t2_data(hub: Hub, rep2: Rep) -> dict[str, Any]:
    hcps = hub.hcps_of("T-002")
    now = datetime.now(UTC)
    report = rep2.report(hcps[0], notes=NOTE)
    consent = {
        "id": uuid7(),
        "hcp_id": hcps[1],
        "channel": "email",
        "state": "opt_in",
        "captured_at": now.isoformat(),
        "source": "signed form",
        "expires_at": None,
    }
    intake = {
        "id": uuid7(),
        "hcp_id": hcps[0],
        "description": AE_TEXT,
        "aware_at": now.isoformat(),
        "created_at": now.isoformat(),
        "call_report_id": report["entity_id"],
        "product_id": None,
        "reporter": "Dr T2",
        "patient_details": "T2-SECRET-PATIENT",
        "seriousness": "unknown",
        "categories": "",
        "status": "open",
        "forwarded_at": None,
    }
    results = rep2.push(
        [
            report,
            rep2.mutation("consent.capture", consent["id"], consent),
            rep2.mutation("ae_intake.submit", intake["id"], intake),
        ]
    )
    assert [r["status"] for r in results] == ["applied"] * 3, results
    return {"hcps": hcps, "report": report, "consent": consent, "intake": intake}


def _leak_values(hub: Hub) -> set[str]:
    """T-002 values rep01 never sends: names, contact details, note and AE text (ids are echoed in refusals)."""
    values = {NOTE, AE_TEXT, "T2-SECRET-PATIENT"}
    with hub.db.read() as conn:
        t1 = {r[0] for r in conn.execute(text("SELECT hcp_id FROM alignments WHERE territory_id = 'T-001'"))}
        for row in conn.execute(
            text("SELECT * FROM hcps WHERE id IN (SELECT hcp_id FROM alignments WHERE territory_id = 'T-002')")
        ).mappings():
            if row["id"] in t1:
                continue
            values.add(f"{row['first_name']} {row['last_name']}")
            for col in ("npi", "email", "phone"):
                if row.get(col) and len(str(row[col])) >= 6:
                    values.add(str(row[col]))
    return values


def _territory_rows(hub: Hub) -> dict[str, set[str]]:
    """Every hub row that belongs to T-002 (by HCP or territory), per table, as JSON text."""
    out: dict[str, set[str]] = {}
    with hub.db.read() as conn:
        t2 = "SELECT hcp_id FROM alignments WHERE territory_id = 'T-002'"
        for table in inspect(conn).get_table_names():
            cols = {c["name"] for c in inspect(conn).get_columns(table)}
            where = []
            if "hcp_id" in cols:
                where.append(f"hcp_id IN ({t2})")
            if "territory_id" in cols:
                where.append("territory_id = 'T-002'")
            if table == "hcps":
                where.append(f"id IN ({t2})")
            if table == "changes":
                where = [f"(hcp_id IN ({t2}) OR territory_id = 'T-002')"]
            if not where:
                continue
            rows = conn.execute(text(f"SELECT * FROM {table} WHERE {' OR '.join(where)}")).mappings()
            out[table] = {json.dumps(dict(r), sort_keys=True, default=str) for r in rows}
    return out


def _attack_mutations(rep1: Rep, t2: dict[str, Any]) -> list[dict[str, Any]]:
    hcp = t2["hcps"][2]
    report = dict(t2["report"]["payload"]) | {"notes": "overwritten by rep01"}
    fresh_report = rep1.report(hcp)
    consent = dict(t2["consent"]) | {"state": "opt_out"}
    new_consent = dict(t2["consent"]) | {"id": uuid7(), "hcp_id": hcp}
    intake = dict(t2["intake"]) | {"description": "overwritten by rep01"}
    draft = dict(fresh_report["payload"]) | {"status": "draft", "submitted_at": None, "id": uuid7()}
    now = datetime.now(UTC).isoformat()
    return [
        fresh_report,
        rep1.mutation("call_report.submit", report["id"], report),
        rep1.mutation("call_report.upsert", draft["id"], draft),
        rep1.mutation("consent.capture", consent["id"], consent),
        rep1.mutation("consent.capture", new_consent["id"], new_consent),
        rep1.mutation("ae_intake.submit", intake["id"], intake),
        rep1.mutation(
            "screening.decision",
            t2["report"]["entity_id"],
            {
                "call_report_id": t2["report"]["entity_id"],
                "decision": "not_ae",
                "categories": "",
                "at": now,
                "reason": "rep01",
                "intake_id": None,
            },
        ),
        rep1.mutation(
            "suggestion.feedback",
            (fid := uuid7()),
            {
                "id": fid,
                "hcp_id": hcp,
                "action": "visit",
                "kind": "dismissed",
                "at": now,
                "suggestion_id": None,
                "reason": "x",
                "note": "",
                "snooze_until": None,
            },
        ),
        rep1.mutation(
            "dcr.submit", (did := uuid7()), {"id": did, "hcp_id": hcp, "changes": {"phone": "555-0000"}, "note": ""}
        ),
    ]


def _targets(t2: dict[str, Any]) -> list[str]:
    return [t2["hcps"][0], t2["report"]["entity_id"], t2["consent"]["id"], t2["intake"]["id"], "T-002", "rep02"]


def _paths(route: Route, targets: list[str]) -> list[str]:
    names = list(route.param_convertors)
    if not names:
        return [route.path]
    paths = []
    for combo in itertools.product(targets, repeat=len(names)) if len(names) <= 2 else [tuple(targets[: len(names)])]:
        path = route.path_format
        for name, value in zip(names, combo, strict=True):
            path = path.replace("{" + name + "}", value)
        paths.append(path)
    return paths


def test_no_endpoint_lets_one_rep_read_or_write_another_territory(hub: Hub) -> None:
    rep1, rep2 = hub.rep("rep01", "device-1"), hub.rep("rep02", "device-2")
    t2 = _t2_data(hub, rep2)
    _, end = rep2.pull_all()
    rep2_cursor = end["next_cursor"]
    before = _territory_rows(hub)
    leaks = _leak_values(hub)
    t2_ids = set(t2["hcps"]) - set(hub.hcps_of("T-001"))
    targets = _targets(t2)

    attacked: list[tuple[str, str]] = []
    replies: list[tuple[str, int, str]] = []
    for route in hub.app.routes:
        if not isinstance(route, Route):
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            attacked.append((method, route.path))
            for path in _paths(route, targets):
                query = {
                    "hcp_id": targets[0],
                    "territory_id": "T-002",
                    "territory": "T-002",
                    "id": targets[1],
                    "user": "rep02",
                    "cursor": 0,
                    "limit": 20000,
                }
                bodies: list[Any] = [None]
                if method in ("POST", "PUT", "PATCH"):
                    bodies = [
                        {"device_id": rep1.device_id, "mutations": _attack_mutations(rep1, t2)},
                        {
                            "hcp_id": targets[0],
                            "territory_id": "T-002",
                            "id": targets[1],
                            "call_report_id": targets[1],
                            "follow_up_id": targets[1],
                            "username": "rep02",
                            "device_id": "device-2",
                        },
                    ]
                for body in bodies:
                    r = hub.client.request(method, path, params=query, json=body, headers=rep1.headers)
                    replies.append((f"{method} {path}", r.status_code, r.text))
                    assert r.status_code < 500, f"{method} {path}: {r.status_code} {r.text[:300]}"

    assert {("GET", "/v1/pull"), ("POST", "/v1/push")} <= set(attacked)
    for where, status, body in replies:
        found = [v for v in leaks if v in body]
        assert not found, f"{where} ({status}) leaked T-002 data: {found[:3]}"
        if status < 300:
            ids = set(re.findall(r"[A-Za-z0-9._:-]+", body)) & t2_ids
            echoed = {i for i in ids if i in where}
            push_echo = where.endswith("/v1/push")  # rejection results name the entity rep01 sent
            assert push_echo or not (ids - echoed), f"{where} returned T-002 HCPs {sorted(ids)[:3]}"
    pushes = [json.loads(b) for w, s, b in replies if w == "POST /v1/push" and s == 200]
    assert pushes, "the push attack reached the hub"
    for reply in pushes:
        assert all(r["status"] == "rejected" for r in reply["results"] if r["status"] != "duplicate"), reply

    after = _territory_rows(hub)
    for table in before.keys() | after.keys():
        gone = before.get(table, set()) - after.get(table, set())
        new = after.get(table, set()) - before.get(table, set())
        assert not gone, f"{table}: T-002 rows changed or deleted: {sorted(gone)[:2]}"
        if table in SELF_REPORTED:
            for row in map(json.loads, new):
                assert row.get("user_name") == "rep01" and row.get("territory_id") in (None, "T-001"), row
            continue
        assert not new, f"{table}: rows written into T-002: {sorted(new)[:2]}"

    page = rep2.pull(rep2_cursor)
    assert page["changes"] == [], "rep02 pulls nothing new after the attack"
    mine, _ = rep1.pull_all()
    assert not {c["id"] for c in mine} & t2_ids
    assert not [c for c in mine if c["row"] and c["row"].get("hcp_id") in t2_ids]
