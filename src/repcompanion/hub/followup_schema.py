"""Hub-only tables of the follow-up pipeline: delivery jobs (leases, retries, dead letters) and seen engagement ids."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, Table, Text

from repcompanion.hub.schema import metadata

#: One row per deliverable follow-up (email or invitation). ``status``: scheduled → sent, or failed (dead
#: letter, ``dead_letter_reason`` says why). A worker owns a job while ``lease_expires_at`` is in the future.
followup_jobs = Table(
    "followup_jobs",
    metadata,
    Column("id", Text, primary_key=True),
    Column("hcp_id", Text, nullable=False),
    Column("journey", Text, nullable=False),
    Column("journey_version", Integer, nullable=False, server_default="1"),
    Column("action", Text, nullable=False),
    Column("content_id", Text),
    Column("call_report_id", Text),
    Column("status", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("due_at", Text, nullable=False),
    Column("next_attempt_at", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("lease_owner", Text),
    Column("lease_expires_at", Text),
    Column("message_id", Text, nullable=False),
    Column("sent_at", Text),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("dead_letter_reason", Text, nullable=False, server_default=""),
    Index("followup_jobs_due", "status", "next_attempt_at"),
    Index("followup_jobs_hcp", "hcp_id"),
)

#: Engagement event ids already applied (replay protection for POST /v1/engagement).
engagement_seen = Table(
    "engagement_seen",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("received_at", Text, nullable=False),
)
