"""The hub's HTTP API (FastAPI): auth, pull, push, health; every reply an ErrorBody when it is not 2xx."""

import importlib
import logging
import pkgutil
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from repcompanion import __version__
from repcompanion.domain.errors import HubError
from repcompanion.hub import auth, hardening
from repcompanion.hub.db import HubDb
from repcompanion.hub.errors import AuthError, HubDatabaseError
from repcompanion.hub.middleware import GunzipRequest, ProtocolGate
from repcompanion.hub.middleware import error_response as _error
from repcompanion.hub.pull import pull_page
from repcompanion.hub.push import push
from repcompanion.hub.settings import HubSettings
from repcompanion.protocol.models import (
    DEFAULT_PAGE_LIMIT,
    MAX_INT64,
    MAX_PAGE_LIMIT,
    PROTOCOL_HEADER,
    ErrorBody,
    HealthReply,
    LoginRequest,
    PullPage,
    PushReply,
    PushRequest,
    RefreshRequest,
    TokenReply,
)

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

    @app.exception_handler(AuthError)
    async def _auth_error(_: Request, exc: AuthError) -> JSONResponse:
        return _error(401, exc.code, exc.message, exc.hint, {"WWW-Authenticate": "Bearer"})

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

    @app.get("/v1/health", response_model=HealthReply, tags=["meta"])
    def health() -> HealthReply:
        return HealthReply(version=__version__)

    @app.post("/v1/auth/login", response_model=TokenReply, responses=_ERRORS, tags=["auth"])
    def login(body: LoginRequest) -> TokenReply:
        return auth.login(db, signer, settings, body)

    @app.post("/v1/auth/refresh", response_model=TokenReply, responses=_ERRORS, tags=["auth"])
    def refresh(body: RefreshRequest) -> TokenReply:
        return auth.refresh(db, signer, settings, body)

    @app.get("/v1/pull", response_model=PullPage, responses=_ERRORS, tags=["sync"])
    def pull(
        request: Request,
        who: Annotated[auth.Caller, Depends(caller)],
        cursor: Annotated[
            int, Query(ge=0, le=MAX_INT64, description="next_cursor of the previous page; 0 for a full pull")
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_LIMIT)] = DEFAULT_PAGE_LIMIT,
        epoch: Annotated[
            int | None, Query(ge=0, le=MAX_INT64, description="`epoch` of the page that gave the cursor")
        ] = None,
        estimate: Annotated[bool, Query(description="count the changes left (first page of a pass)")] = False,
        verify: Annotated[
            bool, Query(description="send per-table counts on the last page of the pass, for verification")
        ] = True,
    ) -> Response:
        protocol = int(request.headers[PROTOCOL_HEADER])  # the protocol gate let only versions we serve in
        page = pull_page(
            db, settings, who.territory_id, cursor, limit, epoch=epoch, estimate=estimate, verify=verify,
            protocol=protocol,
        )  # fmt: skip
        return Response(page, media_type="application/json")

    @app.post("/v1/push", response_model=PushReply, responses=_ERRORS, tags=["sync"])
    def push_(body: PushRequest, who: Annotated[auth.Caller, Depends(flusher)]) -> PushReply:
        if body.device_id != who.device_id:
            raise AuthError(
                f"This push names device {body.device_id} but the token belongs to device {who.device_id}.",
                hint="Log in again from this device.",
            )
        return push(db, who, body)

    from repcompanion.hub import routes

    ctx = routes.RouteContext(db=db, caller=caller, errors=_ERRORS)
    for info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        importlib.import_module(f"{routes.__name__}.{info.name}").register(app, ctx)

    app.add_middleware(ProtocolGate, update_url=settings.update_url)
    app.add_middleware(GunzipRequest, max_bytes=settings.max_body_bytes)
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=settings.gzip_level)
    hardening.install(app, settings)
    return app
