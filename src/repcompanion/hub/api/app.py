"""The hub's HTTP API (FastAPI): the app factory, its error replies (an ErrorBody for every non-2xx), its routes."""

import logging
import threading
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection
from starlette.exceptions import HTTPException as StarletteHTTPException

from repcompanion import __version__
from repcompanion.domain.errors import HubError
from repcompanion.hub import auth, console
from repcompanion.hub.api import middleware
from repcompanion.hub.api.middleware import error_response as _error
from repcompanion.hub.api.routes import RouteContext, engagement, models, sync, unsubscribe
from repcompanion.hub.db import HubDb
from repcompanion.hub.errors import AccessDeniedError, AuthError, HubDatabaseError
from repcompanion.hub.followups import JOURNEYS
from repcompanion.hub.settings import HubSettings
from repcompanion.intel.journeys import JourneyError
from repcompanion.protocol.models import PROTOCOL_HEADER, ErrorBody

log = logging.getLogger("repcompanion.hub")

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "token_expired (refresh, then retry) or login_required"},
    422: {"model": ErrorBody, "description": "the request is malformed"},
    426: {"model": ErrorBody, "description": f"missing or unsupported {PROTOCOL_HEADER} header"},
    503: {"model": ErrorBody, "description": "the hub database is unreachable; retry later"},
}


def create_app(db_url: str, *, settings: HubSettings | None = None, migrate: bool = True) -> FastAPI:
    """The hub app on ``db_url`` (the schema is brought up to date unless ``migrate`` is False)."""
    settings = settings or HubSettings()
    db = HubDb(db_url)
    if migrate:
        db.migrate()
    signer = auth.signer_for(db)
    app = FastAPI(
        title="RepCompanion hub",
        version=__version__,
        description="Territory sync for RepCompanion: pull changes after a commit-ordered cursor, push outbox "
        f"mutations. Every /v1 request except health carries `{PROTOCOL_HEADER}`.",
    )
    app.state.db = db
    bearer = HTTPBearer(auto_error=False)

    def caller(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> auth.Caller:
        return auth.authenticate(db, signer, credentials.credentials if credentials else None)

    def flusher(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> auth.Caller:
        token = credentials.credentials if credentials else None
        return auth.authenticate(db, signer, token, flush=settings.revoked_may_flush)

    _handle_errors(app)
    ctx = RouteContext(db=db, settings=settings, signer=signer, caller=caller, flusher=flusher, errors=_ERRORS)
    for area in (sync, engagement, models, unsubscribe):
        area.register(app, ctx)
    limiter = middleware.install(app, settings)
    console.mount(app, console.ConsoleContext(db, settings, limiter, _journeys))
    if settings.console_refresh_s > 0:
        _refresh_in_background(app, db, settings.console_refresh_s)
    return app


def _journeys(conn: Connection) -> list[tuple[str, str, str]]:
    """(id, action, description) of the journeys the hub evaluates (none when the files do not load)."""
    try:
        journeys, _ = JOURNEYS.load(conn)
    except JourneyError as exc:
        log.error("journeys do not load: %s", exc.message)
        return []
    return [(j.id, j.action.do, j.description) for j in journeys]


def _refresh_in_background(app: FastAPI, db: HubDb, interval_s: float) -> None:
    stop = threading.Event()

    @app.on_event("startup")
    def _start() -> None:
        console.start_refresher(db, interval_s, stop)

    @app.on_event("shutdown")
    def _stop() -> None:
        stop.set()


def _handle_errors(app: FastAPI) -> None:
    """Every failure becomes an ErrorBody reply that says what happened and what to do."""

    @app.exception_handler(AuthError)
    async def _auth_error(_: Request, exc: AuthError) -> JSONResponse:
        return _error(401, exc.code, exc.message, exc.hint, {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(AccessDeniedError)
    async def _denied(_: Request, exc: AccessDeniedError) -> JSONResponse:
        return _error(403, exc.code, exc.message, exc.hint)

    @app.exception_handler(auth.DeviceRevokedError)
    async def _revoked(_: Request, exc: auth.DeviceRevokedError) -> JSONResponse:
        return _error(403, "device_revoked", exc.message, exc.hint, exc.headers())

    @app.exception_handler(HubDatabaseError)
    async def _db_error(_: Request, exc: HubDatabaseError) -> JSONResponse:
        log.error("database unreachable: %s", exc.message)
        return _error(503, "hub_unavailable", "The hub cannot reach its database.", "Try again in a few minutes.")

    @app.exception_handler(HubError)
    async def _hub_error(_: Request, exc: HubError) -> JSONResponse:
        return _error(400, "bad_request", exc.message, exc.hint)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors()[:5]:
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
            problems.append(f"{where}: {e.get('msg', 'invalid')}" if where else str(e.get("msg", "invalid")))
        return _error(
            422,
            "invalid_request",
            "The request could not be read: " + "; ".join(problems),
            "Send JSON matching the hub's OpenAPI description (/openapi.json).",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected hub error")
        return _error(500, "internal_error", "The hub failed on this request.", "Retry later; nothing was lost.")
