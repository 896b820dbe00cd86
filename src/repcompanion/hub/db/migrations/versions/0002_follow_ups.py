"""Synced follow-ups: the digital follow-ups journeys plan, with their delivery and engagement status."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("hcp_id", sa.Text()),
        sa.Column("journey", sa.Text()),
        sa.Column("action", sa.Text()),
        sa.Column("status", sa.Text()),
        sa.Column("created_at", sa.Text()),
        sa.Column("call_report_id", sa.Text()),
        sa.Column("content_id", sa.Text()),
        sa.Column("channel", sa.Text()),
        sa.Column("due_at", sa.Text()),
        sa.Column("sent_at", sa.Text()),
        sa.Column("reason", sa.Text()),
    )
    op.create_index("follow_ups_hcp", "follow_ups", ["hcp_id"])


def downgrade() -> None:
    op.drop_index("follow_ups_hcp", table_name="follow_ups")
    op.drop_table("follow_ups")
