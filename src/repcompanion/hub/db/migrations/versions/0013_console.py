"""The web console: its sign-ins, paused journeys, pharmacovigilance's acknowledgements, the model each device runs,
the suggestion lists laptops showed, the indexes its figures filter and look up on, and the derived aggregates it reads
(materialized views on PostgreSQL, tables on SQLite; see ``db/derived.py``)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from repcompanion.hub.db import derived

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.Text(), primary_key=True),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("csrf", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("last_seen_at", sa.Text(), nullable=False),
        sa.Column("ended_at", sa.Text()),
    )
    op.create_index("console_sessions_user", "console_sessions", ["user_name"])
    op.create_table(
        "journey_pauses",
        sa.Column("journey", sa.Text(), primary_key=True),
        sa.Column("paused_at", sa.Text(), nullable=False),
        sa.Column("paused_by", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
    )
    op.create_table(
        "ae_reviews",
        sa.Column("intake_id", sa.Text(), primary_key=True),
        sa.Column("acknowledged_at", sa.Text()),
        sa.Column("acknowledged_by", sa.Text()),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("reforwarded", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("reforwarded_at", sa.Text()),
        sa.Column("reforwarded_by", sa.Text()),
    )
    op.create_table(
        "device_models",
        sa.Column("device_id", sa.Text(), primary_key=True),
        sa.Column("running", sa.Text(), nullable=False, server_default=""),
        sa.Column("checked_at", sa.Text()),
        sa.Column("downloaded", sa.Text(), nullable=False, server_default=""),
        sa.Column("downloaded_at", sa.Text()),
    )
    op.create_table(
        "suggestion_lists",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("day", sa.Text(), nullable=False),
        sa.Column("shown_at", sa.Text(), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("top_hcp_id", sa.Text()),
        sa.Column("top_action", sa.Text()),
        sa.Column("model_version", sa.Text(), nullable=False, server_default=""),
        sa.Column("rules_version", sa.Text(), nullable=False, server_default=""),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
    )
    op.create_index("suggestion_lists_day", "suggestion_lists", ["day"])
    op.create_index("suggestion_feedback_at", "suggestion_feedback", ["at"])
    op.create_index("events_type_occurred", "events", ["type", "occurred_at"])
    op.create_index("events_hcp_type_occurred", "events", ["hcp_id", "type", "occurred_at"])
    op.create_index("suggestion_feedback_hcp", "suggestion_feedback", ["hcp_id", "at"])
    op.create_index("follow_ups_created", "follow_ups", ["created_at"])
    op.create_index("call_reports_started", "call_reports", ["started_at"])
    derived.create(op.get_bind(), list(derived.FIRST))


def downgrade() -> None:
    derived.drop(op.get_bind(), list(derived.FIRST))
    op.drop_index("call_reports_started", table_name="call_reports")
    op.drop_index("follow_ups_created", table_name="follow_ups")
    op.drop_index("suggestion_feedback_hcp", table_name="suggestion_feedback")
    op.drop_index("events_hcp_type_occurred", table_name="events")
    op.drop_index("events_type_occurred", table_name="events")
    op.drop_index("suggestion_feedback_at", table_name="suggestion_feedback")
    op.drop_index("suggestion_lists_day", table_name="suggestion_lists")
    for table in ("suggestion_lists", "device_models", "ae_reviews", "journey_pauses"):
        op.drop_table(table)
    op.drop_index("console_sessions_user", table_name="console_sessions")
    op.drop_table("console_sessions")
