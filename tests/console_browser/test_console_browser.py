"""The console in headless chromium: each role signs in through the form, opens every page it may (charts drawn, no
script or policy errors), is refused the others, sees figures equal to the raw rows, and acts with a page's buttons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from repcompanion.hub.console import ROLE_PAGES
from repcompanion.hub.console.roles import PAGES
from tests.hub import console_data
from tests.hub.console_data import ConsoleHub, default_filters

pytestmark = pytest.mark.slow
#: the pages with charts (the model, safety and operations pages are tables)
CHARTED = frozenset({"funnel", "content", "suggestions", "field"})
USER_OF = {role: user for user, role in console_data.USERS.items()}


def query() -> str:
    return "&".join(f"{k}={v}" for k, v in default_filters().items())


class Signed:
    """One signed-in browser context, with every console message and page error it produced."""

    def __init__(self, browser: Any, base: str, user: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1366, "height": 768})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.goto(f"{base}/console/login")
        self.page.fill("input[name=username]", user)
        self.page.fill("input[name=password]", console_data.PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_selector("header nav")

    def open(self, key: str) -> Any:
        reply = self.page.goto(f"{self.base}/console/{key}?{query()}")
        return reply

    def charts_drawn(self) -> list[str]:
        self.page.wait_for_function(
            "Array.from(document.querySelectorAll('[data-chart]')).every(e => e.hasAttribute('data-drawn'))"
        )
        return [str(e.get_attribute("data-drawn")) for e in self.page.query_selector_all("[data-chart]")]

    def kpi(self, key: str) -> str:
        return str(self.page.text_content(f"[data-kpi={key}] .value")).strip()

    def column(self, table: str, key: str) -> list[str]:
        return [str(td.text_content()).strip() for td in self.page.query_selector_all(
            f"#table-{table} td[data-key={key}]")]  # fmt: skip

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("role", ["admin", "manager", "brand", "medical"])
def test_each_role_signs_in_opens_every_page_it_may_and_is_refused_the_rest(
    browser: Any, served: tuple[ConsoleHub, str], role: str
) -> None:
    _, base = served
    who = Signed(browser, base, USER_OF[role])
    try:
        menu = [str(a.text_content()) for a in who.page.query_selector_all("header nav a")]
        assert menu == [PAGES[k] for k in ROLE_PAGES[role]]
        for key in PAGES:
            reply = who.open(key)
            if key not in ROLE_PAGES[role]:
                assert reply.status == 403 and "may not see" in str(who.page.text_content("main")), (role, key)
                who.problems.clear()  # chromium logs the refused document's 403 as an error
                continue
            assert reply.status == 200, (role, key)
            assert who.page.text_content("h1") == PAGES[key]
            drawn = who.charts_drawn()
            assert all(d == "yes" for d in drawn) and bool(drawn) == (key in CHARTED), (role, key, drawn)
            assert len(who.page.query_selector_all("[data-chart] svg")) == len(drawn), (role, key)
            assert who.page.query_selector_all("[data-kpi]"), (role, key)
        assert not who.problems, who.problems  # no script error, no Content-Security-Policy refusal
    finally:
        who.close()


def test_figures_on_the_pages_equal_the_raw_rows(browser: Any, served: tuple[ConsoleHub, str]) -> None:
    hub, base = served
    admin = Signed(browser, base, "ada")
    manager = Signed(browser, base, "max")
    try:
        admin.open("funnel")
        assert admin.kpi("visits") == f"{len(hub.rows('SELECT id FROM call_reports')):,}"
        emails = hub.rows("SELECT status FROM follow_ups WHERE action = 'send_email'")
        assert admin.kpi("planned") == f"{len(emails):,}"
        assert admin.kpi("opened") == f"{sum(r['status'] in ('opened', 'clicked') for r in emails):,}"
        admin.open("content")
        sent = hub.rows(
            "SELECT count(*) AS n FROM events e JOIN alignments a ON a.hcp_id = e.hcp_id WHERE e.type = 'email_sent' "
            "AND substr(e.occurred_at, 1, 10) BETWEEN :s AND :e",
            s=default_filters()["start"],
            e=default_filters()["end"],
        )[0]["n"]
        assert admin.kpi("sent") == f"{sent:,}" and sent > 0
        manager.open("field")
        assert sorted(manager.column("by_territory", "territory_id")) == ["T-001", "T-002"]
        visits = hub.rows(
            "SELECT count(*) AS n FROM events e JOIN alignments a ON a.hcp_id = e.hcp_id WHERE a.territory_id IN "
            "('T-001', 'T-002') AND e.type IN ('visit', 'remote_call') AND substr(e.occurred_at, 1, 10) "
            "BETWEEN :s AND :e",
            s=default_filters()["start"],
            e=default_filters()["end"],
        )[0]["n"]
        assert manager.kpi("visits") == f"{visits:,}"
        reply = manager.page.goto(f"{base}/console/field?{query()}&territory=T-003")
        assert reply.status == 403 and "not one of yours" in str(manager.page.text_content("#filter-error"))
    finally:
        admin.close()
        manager.close()


def test_a_post_from_the_browser_without_the_csrf_token_is_refused(
    browser: Any, served: tuple[ConsoleHub, str]
) -> None:
    hub, base = served
    brand = Signed(browser, base, "bea")
    try:
        brand.open("funnel")
        status = brand.page.evaluate(
            """async () => (await fetch('/console/actions/journey.pause', {method: 'POST',
               headers: {'Content-Type': 'application/x-www-form-urlencoded'},
               body: 'target=efficacy-email&reason=x'})).status"""
        )
        assert status == 403
        assert not hub.rows("SELECT journey FROM journey_pauses")
    finally:
        brand.close()


def test_a_brand_user_pauses_and_resumes_a_journey_with_its_buttons_and_both_are_audited(
    browser: Any, served: tuple[ConsoleHub, str]
) -> None:
    hub, base = served
    brand = Signed(browser, base, "bea")
    try:
        brand.open("funnel")
        row = brand.page.locator("#table-journeys tr", has_text="efficacy-email")
        row.locator("input[name=reason]").fill("label update pending")
        row.locator("button", has_text="Pause").click()
        brand.page.wait_for_selector("#notice")
        assert "efficacy-email" in str(brand.page.text_content("#notice"))
        assert "paused" in str(brand.page.locator("#table-journeys tr", has_text="efficacy-email").text_content())
        assert hub.rows("SELECT paused_by, reason FROM journey_pauses WHERE journey = 'efficacy-email'") == [
            {"paused_by": "bea", "reason": "label update pending"}
        ]
        brand.page.locator("#table-journeys tr", has_text="efficacy-email").locator("button", has_text="Resume").click()
        brand.page.wait_for_selector("#notice")
        assert not hub.rows("SELECT journey FROM journey_pauses")
        audited = hub.rows("SELECT actor, action, arguments FROM audit_log WHERE action LIKE 'console journey.%'")
        assert [(a["actor"], a["action"]) for a in audited] == [
            ("bea", "console journey.pause"),
            ("bea", "console journey.resume"),
        ]
        assert all(json.loads(a["arguments"])["target"] == "efficacy-email" for a in audited)
    finally:
        brand.close()


def test_signing_out_ends_the_session(browser: Any, served: tuple[ConsoleHub, str]) -> None:
    _, base = served
    medical = Signed(browser, base, "meg")
    try:
        medical.page.click("header form.who button")
        medical.page.wait_for_selector("form[action='/console/login']")
        reply = medical.open("safety")
        assert reply.status == 401 and "Sign in" in str(medical.page.text_content("main"))
    finally:
        medical.close()
