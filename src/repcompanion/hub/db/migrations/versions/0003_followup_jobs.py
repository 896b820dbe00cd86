"""Follow-up delivery jobs (leases, retries, dead letters) and engagement replay protection."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followup_jobs",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("hcp_id", sa.Text(), nullable=False),
        sa.Column("journey", sa.Text(), nullable=False),
        sa.Column("journey_version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("content_id", sa.Text()),
        sa.Column("call_report_id", sa.Text()),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("due_at", sa.Text(), nullable=False),
        sa.Column("next_attempt_at", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.Text()),
        sa.Column("lease_expires_at", sa.Text()),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.Text()),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("dead_letter_reason", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("followup_jobs_due", "followup_jobs", ["status", "next_attempt_at"])
    op.create_index("followup_jobs_hcp", "followup_jobs", ["hcp_id"])
    op.create_table(
        "engagement_seen",
        sa.Column("event_id", sa.Text(), primary_key=True),
        sa.Column("received_at", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("engagement_seen")
    op.drop_index("followup_jobs_hcp", table_name="followup_jobs")
    op.drop_index("followup_jobs_due", table_name="followup_jobs")
    op.drop_table("followup_jobs")
