"""Model download for reps: ``GET /v1/model/latest`` (signed metadata) and ``GET /v1/model/{version}/file``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Response

from repcompanion.hub import models
from repcompanion.hub.api.routes import RouteContext
from repcompanion.hub.auth import Caller
from repcompanion.protocol.models import MODEL_HEADER


def register(app: FastAPI, ctx: RouteContext) -> None:
    authed = Depends(ctx.caller)  # a valid rep access token

    @app.get("/v1/model/latest", responses=ctx.errors, tags=["model"])
    def latest_model(
        caller: Caller = authed,
        running: Annotated[str | None, Header(alias=MODEL_HEADER, max_length=200)] = None,
    ) -> dict[str, Any]:
        """The newest published propensity model: version, sha256, Ed25519 signature (base64), key id, metrics.
        The laptop says which model it runs in the optional X-RepCompanion-Model header (shown in the console)."""
        if running is not None:
            models.record_device_model(ctx.db, caller.device_id, running=running)
        with ctx.db.read() as conn:
            record = models.latest_version(conn)
        if record is None:
            raise HTTPException(404, "The hub has not published a model yet; keep the model you have.")
        return record.to_json()

    @app.get("/v1/model/{version}/file", responses=ctx.errors, tags=["model"])
    def model_file(version: str, caller: Caller = authed) -> Response:
        """The .skops bytes of one published version (verify its sha256 and signature before loading)."""
        with ctx.db.read() as conn:
            data = models.model_bytes(conn, version)
        if data is None:
            raise HTTPException(404, f"The hub has no model version {version}.")
        models.record_device_model(ctx.db, caller.device_id, downloaded=version)
        return Response(
            bytes(data),
            media_type="application/octet-stream",
            headers={"Content-Disposition": 'attachment; filename="propensity.skops"'},
        )
