"""What a laptop calls to sync: health, login and token refresh, pull after a cursor, push its outbox."""

from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import Response

from repcompanion import __version__
from repcompanion.hub import auth
from repcompanion.hub.api.routes import RouteContext
from repcompanion.hub.errors import AuthError
from repcompanion.hub.sync import pull_page, push
from repcompanion.protocol.models import (
    DEFAULT_PAGE_LIMIT,
    MAX_INT64,
    MAX_PAGE_LIMIT,
    PROTOCOL_HEADER,
    HealthReply,
    LoginRequest,
    PullPage,
    PushReply,
    PushRequest,
    RefreshRequest,
    TokenReply,
)


def register(app: FastAPI, ctx: RouteContext) -> None:
    db, settings, signer, errors = ctx.db, ctx.settings, ctx.signer, ctx.errors

    @app.get("/v1/health", response_model=HealthReply, tags=["meta"])
    def health() -> HealthReply:
        return HealthReply(version=__version__)

    @app.post("/v1/auth/login", response_model=TokenReply, responses=errors, tags=["auth"])
    def login(body: LoginRequest) -> TokenReply:
        return auth.login(db, signer, settings, body)

    @app.post("/v1/auth/refresh", response_model=TokenReply, responses=errors, tags=["auth"])
    def refresh(body: RefreshRequest) -> TokenReply:
        return auth.refresh(db, signer, settings, body)

    @app.get("/v1/pull", response_model=PullPage, responses=errors, tags=["sync"])
    def pull(
        request: Request,
        who: Annotated[auth.Caller, Depends(ctx.caller)],
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

    @app.post("/v1/push", response_model=PushReply, responses=errors, tags=["sync"])
    def push_(body: PushRequest, who: Annotated[auth.Caller, Depends(ctx.flusher)]) -> PushReply:
        if body.device_id != who.device_id:
            raise AuthError(
                f"This push names device {body.device_id} but the token belongs to device {who.device_id}.",
                hint="Log in again from this device.",
            )
        return push(db, who, body)
