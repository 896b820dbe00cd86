"""Model download for reps: ``GET /v1/model/latest`` (signed metadata) and ``GET /v1/model/{version}/file``."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Response

from repcompanion.hub import models
from repcompanion.hub.api.routes import RouteContext


def register(app: FastAPI, ctx: RouteContext) -> None:
    authed = Depends(ctx.caller)  # a valid rep access token

    @app.get("/v1/model/latest", responses=ctx.errors, tags=["model"])
    def latest_model(_: Any = authed) -> dict[str, Any]:
        """The newest published propensity model: version, sha256, Ed25519 signature (base64), key id, metrics."""
        with ctx.db.read() as conn:
            record = models.latest_version(conn)
        if record is None:
            raise HTTPException(404, "The hub has not published a model yet; keep the model you have.")
        return record.to_json()

    @app.get("/v1/model/{version}/file", responses=ctx.errors, tags=["model"])
    def model_file(version: str, _: Any = authed) -> Response:
        """The .skops bytes of one published version (verify its sha256 and signature before loading)."""
        with ctx.db.read() as conn:
            data = models.model_bytes(conn, version)
        if data is None:
            raise HTTPException(404, f"The hub has no model version {version}.")
        return Response(
            bytes(data),
            media_type="application/octet-stream",
            headers={"Content-Disposition": 'attachment; filename="propensity.skops"'},
        )
