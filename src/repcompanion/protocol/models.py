"""Requests and replies of the sync protocol, version-stamped on every request.

Every request carries the header ``X-RepCompanion-Protocol: <PROTOCOL_VERSION>``; a hub that cannot
speak it answers 426 with an ``ErrorBody`` whose ``hint`` tells the rep what to install. Bodies may be
gzip-compressed both ways (``Content-Encoding: gzip``).

Rows travel as their table's row codec writes them (``repcompanion.domain.rows``). Version 2: every tuple is a
JSON array. Version 1 (still served): content topics and audiences and event topics were ';'-joined text;
the hub translates the rows it sends to such a client (``compat``), and reads either form in what it receives.

    POST /v1/auth/login     LoginRequest   -> TokenReply
    POST /v1/auth/refresh   RefreshRequest -> TokenReply
    GET  /v1/pull?cursor=&limit=[&epoch=]  -> PullPage
    POST /v1/push           PushRequest    -> PushReply
    GET  /v1/health                        -> HealthReply (no token, no protocol header needed)
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 2
#: the oldest protocol a hub still serves (the previous release's laptops keep syncing)
OLDEST_PROTOCOL_VERSION = 1
PROTOCOL_HEADER = "X-RepCompanion-Protocol"
#: headers of a 403 ``device_revoked`` reply: when and why the device was revoked (the reason URL-quoted)
REVOKED_AT_HEADER = "X-RepCompanion-Revoked-At"
REVOKED_REASON_HEADER = "X-RepCompanion-Revoked-Reason"
#: sent with the model check (``GET /v1/model/latest``): the model the laptop runs ("default": the shipped one)
MODEL_HEADER = "X-RepCompanion-Model"
DEFAULT_PAGE_LIMIT = 5000
MAX_PAGE_LIMIT = 20000
MAX_PUSH_BATCH = 500
#: the largest sequence number or version a database column holds (signed 64-bit)
MAX_INT64 = 2**63 - 1
#: text the hub stores in a column: no NUL characters (PostgreSQL text cannot hold them)
NO_NUL = r"^[^\x00]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ErrorBody(_Model):
    """What every non-2xx reply carries: a code for programs, a message and a hint for people."""

    error: str
    message: str
    hint: str = ""


class LoginRequest(_Model):
    username: str = Field(pattern=NO_NUL, min_length=1, max_length=200)
    password: str = Field(pattern=NO_NUL, min_length=1, max_length=1024)
    device_id: str = Field(pattern=NO_NUL, min_length=1, max_length=64)
    device_name: str = Field(pattern=NO_NUL, default="", max_length=200)


class RefreshRequest(_Model):
    refresh_token: str = Field(pattern=NO_NUL, min_length=1, max_length=4096)
    device_id: str = Field(pattern=NO_NUL, min_length=1, max_length=64)


class TokenReply(_Model):
    access_token: str
    refresh_token: str
    expires_in: int = Field(description="seconds until the access token expires")
    user: str
    territory_id: str
    protocol_version: int = PROTOCOL_VERSION


class Change(_Model):
    """One row change after a cursor. ``remove``: the HCP left the caller's territory."""

    seq: int
    table: str
    op: Literal["upsert", "delete", "remove"]
    id: str
    row: dict[str, Any] | None = None


class PullPage(_Model):
    changes: list[Change]
    next_cursor: int = Field(description="commit-ordered server sequence; never a timestamp")
    has_more: bool
    reset: bool = Field(
        default=False,
        description="the cursor is older than the tombstone window: drop the replica (keep the outbox) and pull "
        "again from 0",
    )
    counts: dict[str, int] | None = Field(
        default=None, description="per-table row counts of the territory, sent on the last page of a pass"
    )
    total_estimate: int | None = Field(
        default=None,
        description="optional: about how many changes remain after the requested cursor (including this page), "
        "for the client's progress bar; sent at least on the first page of a pass, never used for correctness",
    )
    epoch: int | None = Field(
        default=None,
        description="optional: the hub's compaction count when it answered; send it back as the `epoch` query "
        "parameter with the next cursor so a pass that started after a compaction is not reset",
    )
    territory_id: str
    server_time: str


class MutationIn(_Model):
    id: str = Field(pattern=NO_NUL, min_length=1, max_length=64)
    device_id: str = Field(pattern=NO_NUL, min_length=1, max_length=64)
    device_seq: int = Field(ge=0, le=MAX_INT64)
    kind: str = Field(pattern=NO_NUL, min_length=1, max_length=64)
    entity_id: str = Field(pattern=NO_NUL, min_length=1, max_length=128)
    payload: dict[str, Any]
    created_at: str = Field(pattern=NO_NUL, max_length=64)
    base_version: int | None = Field(default=None, ge=0, le=MAX_INT64)


class PushRequest(_Model):
    device_id: str = Field(pattern=NO_NUL, min_length=1, max_length=64)
    mutations: list[MutationIn] = Field(max_length=MAX_PUSH_BATCH)


class MutationResult(_Model):
    id: str
    status: Literal["applied", "duplicate", "rejected"]
    reason: str = ""


class PushReply(_Model):
    results: list[MutationResult]


class HealthReply(_Model):
    status: Literal["ok"] = "ok"
    protocol_version: int = PROTOCOL_VERSION
    version: str = Field(description="the hub's software version")


__all__ = [
    "DEFAULT_PAGE_LIMIT",
    "MAX_INT64",
    "MAX_PAGE_LIMIT",
    "MAX_PUSH_BATCH",
    "MODEL_HEADER",
    "OLDEST_PROTOCOL_VERSION",
    "PROTOCOL_HEADER",
    "PROTOCOL_VERSION",
    "REVOKED_AT_HEADER",
    "REVOKED_REASON_HEADER",
    "Change",
    "ErrorBody",
    "HealthReply",
    "LoginRequest",
    "MutationIn",
    "MutationResult",
    "PullPage",
    "PushReply",
    "PushRequest",
    "RefreshRequest",
    "TokenReply",
]
