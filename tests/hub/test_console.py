"""The console over plain HTTP, on SQLite and PostgreSQL: figures equal the same figures computed from the raw rows,
each role is refused what it may not see or do, CSRF-less posts are refused, every action works and is audited, bad
filters and stale sessions get a clear message, never a server error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from repcompanion.hub.console import ROLE_ACTIONS, ROLE_PAGES
from repcompanion.hub.console.roles import PAGES
from repcompanion.hub.db import derived
from tests.hub import console_data
from tests.hub.console_data import ConsoleHub, default_filters
from tests.pg import pg_schema


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleHub]:
    if request.param == "sqlite":
        built = console_data.build(f"sqlite:///{tmp_path_factory.mktemp('console') / 'hub.db'}")
        yield built
        built.close()
        return
    with pg_schema(request.getfixturevalue("pg_server")) as url:
        built = console_data.build(url)
        yield built
        built.close()


def page(client: TestClient, key: str, **params: str) -> dict:
    reply = client.get(f"/console/{key}.json", params=default_filters() | params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_funnel_figures_equal_the_follow_ups_and_reports_counted_from_the_rows(hub: ConsoleHub) -> None:
    shown = page(hub.login("ada"), "funnel")
    fu = hub.rows("SELECT journey, action, status, reason FROM follow_ups")
    emails = [r for r in fu if r["action"] == "send_email"]
    assert shown["kpis"]["planned"] == len(emails)
    assert shown["kpis"]["sent"] == sum(r["status"] in ("sent", "opened", "clicked", "bounced") for r in emails)
    assert shown["kpis"]["opened"] == sum(r["status"] in ("opened", "clicked") for r in emails)
    assert shown["kpis"]["visits"] == len(hub.rows("SELECT id FROM call_reports"))
    msl = [r for r in fu if r["action"] == "suggest_msl_referral" and r["status"] not in ("suppressed", "cancelled")]
    assert shown["kpis"]["msl_suggested"] == len(msl)
    by_journey = {r["journey"]: r for r in shown["tables"]["by_journey"]["rows"]}
    for journey in {r["journey"] for r in emails}:
        assert by_journey[journey]["planned"] == sum(r["journey"] == journey for r in emails)
    assert "SELECT" in shown["tables"]["by_journey"]["sql"] and shown["tables"]["by_journey"]["definition"]


def test_the_funnel_of_one_product_counts_the_follow_ups_of_that_product(hub: ConsoleHub) -> None:
    rows = hub.rows(
        "SELECT f.action, c.product_id AS content_product, r.products FROM follow_ups f "
        "LEFT JOIN content c ON c.id = f.content_id LEFT JOIN call_reports r ON r.id = f.call_report_id"
    )

    def product(row: dict) -> str:  # the content's product, else the visit's first
        return str(row["content_product"] or (json.loads(row["products"] or "[]") or [""])[0])

    products = [r["id"] for r in hub.rows("SELECT id FROM products ORDER BY id")]
    assert len(products) > 1  # a product with none of the follow-ups proves the filter is applied
    for p in products:
        shown = page(hub.login("ada"), "funnel", product=p)
        assert shown["kpis"]["planned"] == sum(r["action"] == "send_email" and product(r) == p for r in rows), p


def test_content_rates_equal_the_engagement_events_with_their_interval(hub: ConsoleHub) -> None:
    shown = page(hub.login("bea"), "content")
    start, end = default_filters()["start"], default_filters()["end"]
    events = hub.rows(
        "SELECT e.type, e.content_id FROM events e JOIN alignments a ON a.hcp_id = e.hcp_id "
        "WHERE substr(e.occurred_at, 1, 10) BETWEEN :s AND :e AND e.type IN ('email_sent', 'email_opened')",
        s=start,
        e=end,
    )
    sent = sum(e["type"] == "email_sent" for e in events)
    opened = sum(e["type"] == "email_opened" for e in events)
    assert shown["kpis"]["sent"] == sent and sent > 0
    assert shown["kpis"]["open_rate"] == pytest.approx(opened / sent)
    rows = shown["tables"]["by_item"]["rows"]
    top = rows[0]
    assert top["sent"] == sum(e["type"] == "email_sent" and e["content_id"] == top["content_id"] for e in events)
    assert top["open_rate_low"] <= top["open_rate"] <= top["open_rate_high"]


def test_suggestion_feedback_and_top_followed_equal_the_rows(hub: ConsoleHub) -> None:
    shown = page(hub.login("ada"), "suggestions")
    feedback = hub.rows("SELECT kind FROM suggestion_feedback")
    for kind in ("accepted", "dismissed", "snoozed", "completed"):
        assert shown["kpis"][kind] == sum(f["kind"] == kind for f in feedback)
    lists = hub.rows("SELECT shown FROM suggestion_lists")
    assert shown["kpis"]["shown"] == sum(r["shown"] for r in lists)


def test_a_manager_sees_only_the_territories_of_the_reps_they_manage(hub: ConsoleHub) -> None:
    manager = hub.login("max")
    field = page(manager, "field")
    assert {r["territory_id"] for r in field["tables"]["by_territory"]["rows"]} == {"T-001", "T-002"}
    visits = hub.rows(
        "SELECT count(*) AS n FROM events e JOIN alignments a ON a.hcp_id = e.hcp_id WHERE a.territory_id IN "
        "('T-001', 'T-002') AND e.type IN ('visit', 'remote_call') AND substr(e.occurred_at, 1, 10) BETWEEN :s AND :e",
        s=default_filters()["start"],
        e=default_filters()["end"],
    )
    assert field["kpis"]["visits"] == visits[0]["n"]
    refused = manager.get("/console/field.json", params=default_filters() | {"territory": "T-003"})
    assert refused.status_code == 403 and "not one of yours" in refused.json()["message"]


def test_operations_figures_equal_the_devices_uploads_dead_letters_and_requests_rows(hub: ConsoleHub) -> None:
    shown = page(hub.login("ada"), "operations")
    devices = hub.rows("SELECT device_id, revoked FROM devices")
    assert shown["kpis"]["devices"] == sum(not d["revoked"] for d in devices) and shown["kpis"]["devices"] >= 2
    assert shown["kpis"]["dead"] == len(hub.rows("SELECT id FROM followup_jobs WHERE status = 'failed'"))
    assert shown["kpis"]["dcrs"] == len(hub.rows("SELECT id FROM data_change_requests WHERE status = 'open'"))
    mutations = hub.rows("SELECT kind, status FROM mutations WHERE substr(received_at, 1, 10) BETWEEN :s AND :e",
                         s=default_filters()["start"], e=default_filters()["end"])  # fmt: skip
    uploads = {(r["kind"], r["status"]): r["mutations"] for r in shown["tables"]["uploads"]["rows"]}
    assert sum(uploads.values()) == len(mutations) and len(mutations) > 0
    for (kind, status), n in uploads.items():
        assert n == sum(m["kind"] == kind and m["status"] == status for m in mutations)
    manager = page(hub.login("max"), "operations")
    assert {d["territory_id"] for d in manager["tables"]["devices"]["rows"]} <= {"T-001", "T-002"}
    assert manager["tables"]["imports"]["rows"] == []  # import runs are hub-wide: admins only


def test_model_figures_equal_the_registry_and_what_each_device_reported(hub: ConsoleHub) -> None:
    shown = page(hub.login("bea"), "model")
    versions = hub.rows("SELECT version FROM model_versions ORDER BY created_at DESC")
    assert shown["kpis"]["versions"] == len(versions) and shown["kpis"]["newest"] == versions[0]["version"]
    running = hub.rows(
        "SELECT d.device_id, m.running FROM devices d LEFT JOIN device_models m ON m.device_id = d.device_id "
        "WHERE d.revoked = 0"
    )
    on_newest = sum(r["running"] == versions[0]["version"] for r in running)
    assert shown["kpis"]["on_newest"] == pytest.approx(on_newest / len(running))
    reported = {r["device_id"]: r["running"] for r in shown["tables"]["devices"]["rows"]}
    assert reported == {r["device_id"]: r["running"] or "(not reported)" for r in running}
    assert shown["freshness"].startswith("Aggregates refreshed")


def test_an_unknown_page_is_a_clear_not_found_for_a_signed_in_user(hub: ConsoleHub) -> None:
    client = hub.login("ada")
    for suffix in ("", ".json"):
        reply = client.get(f"/console/nowhere{suffix}")
        assert reply.status_code == 404 and "no console page" in reply.text


@pytest.mark.parametrize("role", ["admin", "manager", "brand", "medical"])
def test_each_role_is_refused_the_pages_it_may_not_see(hub: ConsoleHub, role: str) -> None:
    user = next(u for u, r in console_data.USERS.items() if r == role)
    client = hub.login(user)
    for key in PAGES:
        reply = client.get(f"/console/{key}", params=default_filters())
        assert reply.status_code == (200 if key in ROLE_PAGES[role] else 403), (role, key)
        assert "RepCompanion console" in reply.text


def test_only_pharmacovigilance_reads_the_verbatim_note(hub: ConsoleHub) -> None:
    medical = page(hub.login("meg"), "safety")["tables"]["intakes"]
    admin = page(hub.login("ada"), "safety")["tables"]["intakes"]
    assert any("rash" in (r.get("verbatim") or "") for r in medical["rows"])
    assert all("verbatim" not in r for r in admin["rows"]) and "rash after" not in json.dumps(admin)
    first = medical["rows"][0]
    assert first["overdue"] and first["intake_id"] == "AE-rep01"  # overdue first


def test_a_rep_and_a_stranger_have_no_console(hub: ConsoleHub) -> None:
    anonymous = TestClient(hub.client.app)
    assert anonymous.get("/console/funnel.json").status_code == 401
    assert "Sign in" in anonymous.get("/console/funnel").text
    form = anonymous.get("/console/login")
    csrf = console_data._field(form.text, "csrf")
    reply = anonymous.post(
        "/console/login", data={"username": "rep01", "password": console_data.PASSWORD, "csrf": csrf}
    )
    assert reply.status_code == 403 and "use the RepCompanion app" in reply.text


def test_a_post_without_the_sessions_csrf_token_is_refused_and_changes_nothing(hub: ConsoleHub) -> None:
    client = hub.login("ada")
    before = hub.rows("SELECT count(*) AS n FROM journey_pauses")[0]["n"]
    for csrf in ("", "forged"):
        reply = client.post(
            "/console/actions/journey.pause", data={"target": "efficacy-email", "reason": "x", "csrf": csrf}
        )
        assert reply.status_code == 403 and "CSRF" in reply.text
    assert hub.rows("SELECT count(*) AS n FROM journey_pauses")[0]["n"] == before
    login = TestClient(hub.client.app).post(
        "/console/login", data={"username": "ada", "password": console_data.PASSWORD, "csrf": "x"}
    )
    assert login.status_code == 403


def _act(client: TestClient, action: str, target: str, reason: str = "") -> str:
    html = client.get("/console/funnel", params=default_filters()).text
    csrf = console_data._field(html, "csrf")
    reply = client.post(
        f"/console/actions/{action}",
        data={"target": target, "reason": reason, "csrf": csrf, "back": "/console/funnel"},
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text[:400]
    shown = client.get(reply.headers["location"])  # the page it returns to says what was done
    assert shown.status_code == 200 and 'id="notice"' in shown.text, shown.text[:400]
    return reply.headers["location"]


def _audited(hub: ConsoleHub, action: str, actor: str, target: str) -> bool:
    rows = hub.rows("SELECT actor, action, arguments FROM audit_log WHERE action = :a", a=f"console {action}")
    return any(r["actor"] == actor and json.loads(r["arguments"])["target"] == target for r in rows)


def test_every_action_works_through_the_hubs_own_functions_and_is_audited(hub: ConsoleHub) -> None:
    admin, brand, medical, manager = (hub.login(u) for u in ("ada", "bea", "meg", "max"))
    _act(brand, "journey.pause", "efficacy-email", "new label pending")
    assert hub.rows("SELECT paused_by FROM journey_pauses WHERE journey = 'efficacy-email'")[0]["paused_by"] == "bea"
    _act(brand, "journey.resume", "efficacy-email")
    assert not hub.rows("SELECT * FROM journey_pauses")
    dead = hub.rows("SELECT id FROM followup_jobs WHERE status = 'failed'")[0]["id"]
    _act(brand, "followup.retry", dead)
    assert hub.rows("SELECT status FROM followup_jobs WHERE id = :i", i=dead)[0]["status"] == "scheduled"
    _act(brand, "content.withdraw", "C001", "label change")
    assert hub.rows("SELECT withdrawn_reason FROM content WHERE id = 'C001'")[0]["withdrawn_reason"] == "label change"
    _act(manager, "dcr.accept", "DCR-rep01")
    assert hub.rows("SELECT status FROM data_change_requests WHERE id = 'DCR-rep01'")[0]["status"] == "accepted"
    _act(admin, "dcr.reject", "DCR-rep02", "duplicate of another request")
    assert hub.rows("SELECT status FROM data_change_requests WHERE id = 'DCR-rep02'")[0]["status"] == "rejected"
    _act(medical, "intake.acknowledge", "AE-rep01", "triaged")
    assert (
        hub.rows("SELECT acknowledged_by FROM ae_reviews WHERE intake_id = 'AE-rep01'")[0]["acknowledged_by"] == "meg"
    )
    _act(medical, "intake.reforward", "AE-rep02")
    assert hub.rows("SELECT forwarded_at FROM ae_intakes WHERE id = 'AE-rep02'")[0]["forwarded_at"] is None
    _act(admin, "device.revoke", "dev-2", "laptop lost")
    assert hub.rows("SELECT revoked FROM devices WHERE device_id = 'dev-2'")[0]["revoked"] == 1
    for action, actor, target in [
        ("journey.pause", "bea", "efficacy-email"), ("journey.resume", "bea", "efficacy-email"),
        ("followup.retry", "bea", dead), ("content.withdraw", "bea", "C001"), ("dcr.accept", "max", "DCR-rep01"),
        ("dcr.reject", "ada", "DCR-rep02"), ("intake.acknowledge", "meg", "AE-rep01"),
        ("intake.reforward", "meg", "AE-rep02"), ("device.revoke", "ada", "dev-2"),
    ]:  # fmt: skip
        assert _audited(hub, action, actor, target), action


@pytest.mark.parametrize("role", ["manager", "brand", "medical"])
def test_each_role_is_refused_the_actions_it_may_not_take(hub: ConsoleHub, role: str) -> None:
    user = next(u for u, r in console_data.USERS.items() if r == role)
    client = hub.login(user)
    csrf = console_data._field(client.get("/console/funnel", params=default_filters()).text, "csrf")
    for action in sorted(set(ROLE_ACTIONS["admin"]) - ROLE_ACTIONS[role]):
        reply = client.post(f"/console/actions/{action}", data={"target": "x", "reason": "r", "csrf": csrf})
        assert reply.status_code == 403 and "may not" in reply.text, (role, action)


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"territory": "T-999"}, 400, "no territory"),
        ({"product": "NOPE"}, 400, "no product"),
        ({"colour": "blue"}, 400, "no filter called"),
        ({"start": "2026-02-30"}, 400, "not a date"),
        ({"start": "2026-06-01", "end": "2026-05-01"}, 400, "ends (2026-05-01) before it starts"),
        ({"start": "2000-01-01", "end": "2026-01-01"}, 400, "at most 367 days"),
    ],
)
def test_bad_filters_get_a_clear_message_not_a_server_error(
    hub: ConsoleHub, params: dict[str, str], status: int, says: str
) -> None:
    client = hub.login("ada")
    for suffix in ("", ".json", ".csv"):
        reply = client.get(f"/console/content{suffix}", params=params)
        assert reply.status_code == status and says in reply.text, (suffix, reply.text[:300])


def test_a_stale_session_is_told_why_and_changes_nothing(hub: ConsoleHub) -> None:
    client = hub.login("bea")
    csrf = console_data._field(client.get("/console/funnel", params=default_filters()).text, "csrf")
    old = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    with hub.db.write() as conn:
        conn.exec_driver_sql(f"UPDATE console_sessions SET last_seen_at = '{old}' WHERE user_name = 'bea'")
    reply = client.post(
        "/console/actions/journey.pause", data={"target": "efficacy-email", "reason": "r", "csrf": csrf}
    )
    assert reply.status_code == 401 and "without activity" in reply.text and "Nothing was changed" in reply.text
    assert not hub.rows("SELECT * FROM journey_pauses WHERE paused_by = 'bea' AND reason = 'r'")
    assert client.get("/console/funnel").status_code == 401


def test_every_table_downloads_as_csv_with_the_rows_the_page_shows(hub: ConsoleHub) -> None:
    client = hub.login("ada")
    for key in PAGES:
        shown = page(client, key)
        for name, table in shown["tables"].items():
            reply = client.get(f"/console/{key}.csv", params=default_filters() | {"table": name})
            assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv")
            lines = reply.text.splitlines()
            assert len(lines) - 1 >= len(table["rows"]), (key, name)  # cells may hold line breaks


def test_console_pages_carry_a_strict_content_security_policy_and_are_not_cached(hub: ConsoleHub) -> None:
    reply = hub.login("ada").get("/console/funnel", params=default_filters())
    policy = reply.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert reply.headers["cache-control"] == "no-store"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def spread_hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleHub]:
    """A console hub whose follow-ups, call reports, suggestion feedback and lists are spread over the last months
    (every other row moved back 20 to 300 days), so that long ranges read whole months and partial ones."""

    def spread(built: ConsoleHub) -> ConsoleHub:
        moves = {"follow_ups": ("id", "created_at"), "call_reports": ("id", "started_at"),
                 "suggestion_feedback": ("id", "at"), "suggestion_lists": ("id", "day")}  # fmt: skip
        with built.db.write() as conn:
            for table, (key, column) in moves.items():
                rows = conn.exec_driver_sql(f"SELECT {key}, {column} FROM {table} ORDER BY {key}").all()
                for k, (ident, stamp) in enumerate(rows):
                    if k % 2:
                        continue
                    back = 20 + (37 * k) % 280
                    moved = (datetime.fromisoformat(stamp) - timedelta(days=back)).isoformat()
                    moved = moved[:10] if len(stamp) == 10 else moved
                    conn.execute(text(f"UPDATE {table} SET {column} = :m WHERE {key} = :i"), {"m": moved, "i": ident})
        derived.refresh(built.db)
        return built

    if request.param == "sqlite":
        built = spread(console_data.build(f"sqlite:///{tmp_path_factory.mktemp('spread') / 'hub.db'}"))
        yield built
        built.close()
        return
    with pg_schema(request.getfixturevalue("pg_server")) as url:
        built = spread(console_data.build(url))
        yield built
        built.close()


def _ranges() -> dict[str, tuple[str, str]]:
    today = console_data.TODAY
    first_of_month = today.replace(day=1)
    three_months_ago = (first_of_month - timedelta(days=85)).replace(day=1)
    return {
        "quarter": ((today - timedelta(days=89)).isoformat(), today.isoformat()),
        "year": ((today - timedelta(days=364)).isoformat(), today.isoformat()),
        "whole months": (three_months_ago.isoformat(), (first_of_month - timedelta(days=1)).isoformat()),
        "within a month": ((today - timedelta(days=40)).replace(day=3).isoformat(),
                           (today - timedelta(days=40)).replace(day=17).isoformat()),
    }  # fmt: skip


@pytest.mark.parametrize("span", list(_ranges()))
def test_long_ranges_read_through_the_monthly_aggregates_give_the_figures_of_the_raw_rows(
    spread_hub: ConsoleHub, span: str
) -> None:
    hub = spread_hub
    start, end = _ranges()[span]
    within = {"s": start, "e": end}
    client = hub.login("ada")
    shown = page(client, "funnel", start=start, end=end)
    fu = hub.rows(
        "SELECT journey, action, status FROM follow_ups WHERE substr(created_at, 1, 10) BETWEEN :s AND :e", **within
    )
    emails = [r for r in fu if r["action"] == "send_email"]
    assert shown["kpis"]["planned"] == len(emails)
    assert shown["kpis"]["sent"] == sum(r["status"] in ("sent", "opened", "clicked", "bounced") for r in emails)
    by_journey = {r["journey"]: r["planned"] for r in shown["tables"]["by_journey"]["rows"] if r["planned"]}
    assert by_journey == {j: sum(r["journey"] == j for r in emails) for j in {r["journey"] for r in emails}}
    reports = hub.rows("SELECT id FROM call_reports WHERE substr(started_at, 1, 10) BETWEEN :s AND :e", **within)
    assert shown["kpis"]["visits"] == len(reports)

    shown = page(client, "suggestions", start=start, end=end)
    feedback = hub.rows("SELECT kind FROM suggestion_feedback WHERE substr(at, 1, 10) BETWEEN :s AND :e", **within)
    for kind in ("accepted", "dismissed", "snoozed", "completed"):
        assert shown["kpis"][kind] == sum(f["kind"] == kind for f in feedback), kind
    lists = hub.rows("SELECT shown FROM suggestion_lists WHERE day BETWEEN :s AND :e", **within)
    assert shown["kpis"]["shown"] == sum(r["shown"] for r in lists)
    weekly = shown["tables"]["over_time"]["rows"]
    assert sum(r["dismissed"] for r in weekly) == sum(f["kind"] == "dismissed" for f in feedback)

    shown = page(client, "content", start=start, end=end)
    events = hub.rows(
        "SELECT e.type, e.content_id FROM events e JOIN alignments a ON a.hcp_id = e.hcp_id "
        "WHERE substr(e.occurred_at, 1, 10) BETWEEN :s AND :e AND e.type IN ('email_sent', 'email_opened')",
        **within,
    )
    sent = sum(e["type"] == "email_sent" for e in events)
    assert shown["kpis"]["sent"] == sent
    assert shown["kpis"]["open_rate"] == (pytest.approx(sum(e["type"] == "email_opened" for e in events) / sent)
                                          if sent else None)  # fmt: skip
    for row in shown["tables"]["by_item"]["rows"]:
        assert row["sent"] == sum(e["type"] == "email_sent" and e["content_id"] == row["content_id"] for e in events)

    shown = page(client, "field", start=start, end=end)
    visits = hub.rows(
        "SELECT a.territory_id, e.hcp_id FROM events e JOIN alignments a ON a.hcp_id = e.hcp_id "
        "WHERE e.type IN ('visit', 'remote_call') AND substr(e.occurred_at, 1, 10) BETWEEN :s AND :e",
        **within,
    )
    assert shown["kpis"]["visits"] == len(visits)
    for row in shown["tables"]["by_territory"]["rows"]:
        mine = [v for v in visits if v["territory_id"] == row["territory_id"]]
        assert (row["visits"], row["reached"]) == (len(mine), len({v["hcp_id"] for v in mine})), row
    per_day = {r["day"]: r["visits"] for r in shown["tables"]["per_day"]["rows"]}
    assert sum(per_day.values()) == len(visits) and min(per_day, default=start) >= start
    products = hub.rows(
        "SELECT a.territory_id, e.hcp_id FROM events e JOIN alignments a ON a.hcp_id = e.hcp_id WHERE e.product_id = "
        "'P1' AND e.type IN ('visit', 'remote_call') AND substr(e.occurred_at, 1, 10) BETWEEN :s AND :e",
        **within,
    )
    drift = {r["input"]: r["selected"] for r in page(client, "model", start=start, end=end)["tables"]["drift"]["rows"]}
    days = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).days + 1
    hcps = len(hub.rows("SELECT hcp_id FROM alignments"))
    assert drift["Visits per HCP (30 days)"] == pytest.approx(len(visits) / hcps * 30 / days)
    assert drift["E-mails per HCP (30 days)"] == pytest.approx(sent / hcps * 30 / days)
    shown = page(client, "field", start=start, end=end, product="P1")
    assert shown["kpis"]["visits"] == len(products)
    reached = {r["territory_id"]: r["reached"] for r in shown["tables"]["by_territory"]["rows"] if r["reached"]}
    assert reached == {t: len({v["hcp_id"] for v in products if v["territory_id"] == t})
                       for t in {v["territory_id"] for v in products}}  # fmt: skip
    one = page(client, "field", start=start, end=end, territory="T-002")["tables"]["map"]["rows"]
    assert {r["hcp_id"] for r in one if r["visited"] == "yes"} == {v["hcp_id"] for v in visits
                                                                    if v["territory_id"] == "T-002"}  # fmt: skip
