"""The console's web side, mounted under /console by the hub's app factory: sign-in and out, one page per figure
set (HTML, with a CSV and a JSON twin of every table), the actions (POST, CSRF-checked), and its own static files.

Every console reply carries a Content-Security-Policy that allows only the hub's own scripts, styles and data (no
``unsafe-eval``: charts run Vega's expression interpreter), and ``Cache-Control: no-store``.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Connection

from repcompanion.domain.errors import HubError
from repcompanion.hub import auth
from repcompanion.hub.console import (
    actions,
    content,
    field,
    filters,
    funnel,
    model,
    operations,
    safety,
    sessions,
    suggestions,
)
from repcompanion.hub.console.figures import Page
from repcompanion.hub.console.roles import ACTIONS, PAGES, Viewer
from repcompanion.hub.db import HubDb, derived
from repcompanion.hub.errors import AccessDeniedError, AuthError
from repcompanion.hub.settings import HubSettings
from repcompanion.resources import resource_path

log = logging.getLogger("repcompanion.hub.console")
PATH = "/console"
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
NO_STORE = {"Content-Security-Policy": POLICY, "Cache-Control": "no-store"}
#: pages that read the derived aggregates (and so say when they were refreshed)
AGGREGATE_PAGES = frozenset({"funnel", "content", "suggestions", "field", "model"})


@dataclass
class ConsoleContext:
    db: HubDb
    settings: HubSettings
    limiter: Any  # the API's LoginLimiter: the console's sign-in shares its lockouts
    journeys: Callable[[Connection], list[tuple[str, str, str]]]


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(resource_path("console", "templates"))),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["figure"] = figure_text
    return env


def figure_text(value: Any, kind: str = "text") -> str:
    """A figure as the page shows it (the JSON and CSV twins carry the raw value)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if kind == "int":
        return f"{int(value):,}"
    if kind in ("pct", "rate"):
        return f"{float(value) * 100:.1f}%"
    if kind in ("float", "hours"):
        return f"{float(value):,.2f}"
    return str(value)


def _freshness(conn: Connection) -> str:
    at = derived.refreshed_at(conn)
    if not at:
        return "Aggregates have not been computed yet: the figures below are empty until the first refresh."
    age = datetime.now(UTC) - datetime.fromisoformat(at)
    minutes = int(age.total_seconds() // 60)
    return f"Aggregates refreshed {at.replace('T', ' ')[:16]} UTC ({minutes} min ago)."


def build_page(
    conn: Connection, viewer: Viewer, key: str, f: filters.Filters, journeys: list[tuple[str, str, str]]
) -> Page:
    """The figures of page ``key`` for ``viewer`` under filters ``f``."""
    if key == "funnel":
        return funnel.build(conn, viewer, f, journeys, _freshness(conn))
    if key == "content":
        return content.build(conn, viewer, f, _freshness(conn))
    if key == "suggestions":
        return suggestions.build(conn, viewer, f, _freshness(conn))
    if key == "field":
        return field.build(conn, viewer, f, _freshness(conn))
    if key == "model":
        return model.build(conn, viewer, f, _freshness(conn))
    if key == "safety":
        return safety.build(conn, viewer, f)
    return operations.build(conn, viewer, f)


def mount(app: FastAPI, ctx: ConsoleContext) -> None:
    """Add the console's routes and static files to ``app``."""
    env = _environment()
    secure = ctx.settings.https
    app.mount(f"{PATH}/static", StaticFiles(directory=str(resource_path("console", "static"))), name="console-static")

    def html(template: str, status: int = 200, **values: Any) -> HTMLResponse:
        body = env.get_template(template).render(pages=PAGES, actions=ACTIONS, **values)
        return HTMLResponse(body, status, headers=NO_STORE)

    def login_page(status: int, message: str = "", user: str = "", next_url: str = "") -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        reply = html("login.html", status, message=message, user=user, csrf=token, next_url=next_url)
        reply.set_cookie(sessions.LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=secure, path=PATH)
        return reply

    def viewer_of(request: Request) -> Viewer:
        return sessions.check(
            ctx.db,
            request.cookies.get(sessions.COOKIE),
            idle_s=ctx.settings.console_idle_timeout_s,
            longest_s=ctx.settings.console_session_s,
        ).viewer

    def error_page(viewer: Viewer | None, status: int, title: str, message: str, hint: str = "") -> HTMLResponse:
        return html("error.html", status, viewer=viewer, title=title, message=message, hint=hint)

    @app.get(PATH, include_in_schema=False)
    @app.get(f"{PATH}/", include_in_schema=False)
    def home(request: Request) -> Response:
        try:
            viewer = viewer_of(request)
        except sessions.SessionEnded as ended:
            return login_page(200, "" if not request.cookies.get(sessions.COOKIE) else ended.why)
        return RedirectResponse(f"{PATH}/{viewer.pages[0]}", 303)

    @app.get(f"{PATH}/login", include_in_schema=False)
    def login_form(request: Request, next: str = "") -> Response:
        return login_page(200, next_url=next if next.startswith(f"{PATH}/") else "")

    @app.post(f"{PATH}/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await _form(request)
        user, password = str(form.get("username", ""))[:200], str(form.get("password", ""))[:256]
        next_url = str(form.get("next", ""))
        if not sessions.csrf_ok(request.cookies.get(sessions.LOGIN_COOKIE, ""), str(form.get("csrf", ""))):
            return login_page(403, "The sign-in form had expired or came from elsewhere. Try again.", user)
        client = request.client.host if request.client else "unknown"
        keys = (f"user:{user}", f"ip:{client}")
        wait = ctx.limiter.locked_for(*keys)
        if wait > 0:
            minutes = max(1, math.ceil(wait / 60))
            return login_page(429, f"Too many failed sign-ins: try again in {minutes} minute(s), or ask your "
                                   "administrator.", user)  # fmt: skip
        try:
            found = await anyio.to_thread.run_sync(auth.check_user_password, ctx.db, user, password)
        except AuthError as exc:
            ctx.limiter.failed(*keys)
            return login_page(401, exc.message, user)
        except AccessDeniedError as exc:
            return login_page(403, exc.message, user)
        ctx.limiter.succeeded(keys[0])
        if found["role"] not in ("admin", "manager", "brand", "medical"):
            return login_page(403, f"The console is for managers, brand, medical and admin users; {user} is a "
                                   f"{found['role']}: use the RepCompanion app on your laptop.", user)  # fmt: skip
        token, _ = await anyio.to_thread.run_sync(sessions.start, ctx.db, user)
        target = next_url if next_url.startswith(f"{PATH}/") and "//" not in next_url else f"{PATH}/"
        reply = RedirectResponse(target, 303, headers=NO_STORE)
        reply.set_cookie(sessions.COOKIE, token, httponly=True, samesite="strict", secure=secure, path=PATH)
        reply.delete_cookie(sessions.LOGIN_COOKIE, path=PATH)
        return reply

    @app.post(f"{PATH}/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        form = await _form(request)
        token = request.cookies.get(sessions.COOKIE)
        try:
            viewer = viewer_of(request)
        except sessions.SessionEnded:
            return login_page(200, "You are signed out.")
        if not sessions.csrf_ok(viewer.csrf, str(form.get("csrf", ""))):
            return error_page(viewer, 403, "Refused", "The form did not carry this session's token (CSRF); nothing "
                              "was changed.", "Reload the page and try again.")  # fmt: skip
        if token:
            sessions.end(ctx.db, token)
        reply = login_page(200, "You are signed out.")
        reply.delete_cookie(sessions.COOKIE, path=PATH)
        return reply

    def render(request: Request, key: str, fmt: str) -> Response:
        try:
            viewer = viewer_of(request)
        except sessions.SessionEnded as ended:
            if fmt != "html":
                return JSONResponse({"error": "login_required", "message": ended.why}, 401, headers=NO_STORE)
            return login_page(401, ended.why, next_url=f"{PATH}/{key}")
        if key not in PAGES:
            return error_page(viewer, 404, "No such page", f"There is no console page {key[:60]!r}.",
                              "Use the menu.")  # fmt: skip
        if not viewer.may_see(key):
            message = f"A {viewer.role} may not see the {PAGES[key]} page."
            if fmt != "html":
                return JSONResponse({"error": "forbidden", "message": message}, 403, headers=NO_STORE)
            return error_page(viewer, 403, "Not for your role", message, "Ask an administrator if you need it.")
        params = dict(request.query_params)
        try:
            with ctx.db.read() as conn:
                territories, products = filters.choices(conn, viewer)
                f = filters.parse(params, conn, viewer)
                page = build_page(conn, viewer, key, f, ctx.journeys(conn))
        except (filters.FilterError, filters.ScopeError) as exc:
            status = 403 if isinstance(exc, filters.ScopeError) else 400
            if fmt != "html":
                return JSONResponse({"error": "bad_filter", "message": exc.message, "hint": exc.hint}, status,
                                    headers=NO_STORE)  # fmt: skip
            return html("page.html", status, viewer=viewer, page=None, key=key, title=PAGES[key], error=exc.message,
                        hint=exc.hint, params=params, territories=territories, products=products, f=None)  # fmt: skip
        if fmt == "json":
            body = {
                "page": key,
                "filters": {
                    "start": f.start.isoformat(),
                    "end": f.end.isoformat(),
                    "territory": f.territory,
                    "product": f.product,
                },
                "freshness": page.freshness,
                "kpis": {k.key: k.value for k in page.kpis},
                "tables": {t.name: t.to_json() for t in page.tables},
            }
            return JSONResponse(body, headers=NO_STORE)  # fmt: skip
        if fmt == "csv":
            table = page.table(params.get("table", ""))
            if table is None:
                names = ", ".join(t.name for t in page.tables)
                return PlainTextResponse(f"There is no table {params.get('table', '')[:60]!r}; tables: {names}.", 400,
                                         headers=NO_STORE)  # fmt: skip
            name = f"{key}-{table.name}-{f.start}-{f.end}.csv"
            headers = NO_STORE | {"Content-Disposition": f'attachment; filename="{quote(name)}"'}
            return Response(table.csv(), media_type="text/csv; charset=utf-8", headers=headers)
        notice = request.query_params.get("done", "")
        return html("page.html", viewer=viewer, page=page, key=key, title=page.title, error="", hint="", params=params,
                    territories=territories, products=products, f=f, query=f.query(), notice=notice[:300],
                    aggregates=key in AGGREGATE_PAGES)  # fmt: skip

    @app.get(f"{PATH}/{{key}}.csv", include_in_schema=False)
    def page_csv(request: Request, key: str) -> Response:
        return render(request, key, "csv")

    @app.get(f"{PATH}/{{key}}.json", include_in_schema=False)
    def page_json(request: Request, key: str) -> Response:
        return render(request, key, "json")

    @app.get(f"{PATH}/{{key}}", include_in_schema=False)
    def page(request: Request, key: str) -> Response:
        return render(request, key, "html")

    @app.post(f"{PATH}/actions/{{action}}", include_in_schema=False)
    async def act(request: Request, action: str) -> Response:
        form = await _form(request)
        try:
            viewer = viewer_of(request)
        except sessions.SessionEnded as ended:
            return login_page(401, ended.why + " Nothing was changed.")
        if not sessions.csrf_ok(viewer.csrf, str(form.get("csrf", "")) or None):
            return error_page(viewer, 403, "Refused", "The form did not carry this session's token (CSRF); nothing "
                              "was changed.", "Reload the page and use its buttons.")  # fmt: skip
        back = str(form.get("back", ""))
        back = back if back.startswith(f"{PATH}/") and "//" not in back else f"{PATH}/"
        target, reason = str(form.get("target", ""))[:200], str(form.get("reason", ""))[:1000]
        try:
            with ctx.db.read() as conn:
                known = {j for j, _, _ in ctx.journeys(conn)}
            done = await anyio.to_thread.run_sync(actions.run, ctx.db, viewer, action, target, reason, known)
        except actions.ActionRefused as exc:
            return error_page(viewer, 403, "Not for your role", exc.message, "Nothing was changed.")
        except HubError as exc:
            return error_page(viewer, 400, "Nothing was changed", exc.message, exc.hint or "")
        sep = "&" if "?" in back else "?"
        return RedirectResponse(f"{back}{sep}done={quote(done.message)}", 303, headers=NO_STORE)


async def _form(request: Request) -> dict[str, str]:
    """The fields of a urlencoded form (the console's forms are all urlencoded; anything else reads as empty)."""
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return {}
    body = await request.body()
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


def start_refresher(db: HubDb, interval_s: float, stop: threading.Event) -> threading.Thread:
    """Refresh the derived aggregates every ``interval_s`` (at once when they are older), until ``stop``."""

    def loop() -> None:
        while not stop.is_set():
            try:
                with db.read() as conn:
                    at = derived.refreshed_at(conn)
                age = (datetime.now(UTC) - datetime.fromisoformat(at)).total_seconds() if at else math.inf
                if age >= interval_s:
                    derived.refresh(db)
                    log.info("console aggregates refreshed")
                    age = 0.0
                stop.wait(max(1.0, interval_s - age))
            except Exception:
                log.exception("console aggregates not refreshed; trying again in a minute")
                stop.wait(60.0)

    thread = threading.Thread(target=loop, name="console aggregates", daemon=True)
    thread.start()
    return thread


__all__ = ["AGGREGATE_PAGES", "PATH", "POLICY", "ConsoleContext", "build_page", "figure_text", "mount",
           "start_refresher"]  # fmt: skip
