"""Initial hub schema: synced tables, change log, users, devices, refresh tokens, mutations and intake tables."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("name", sa.Text()),
        sa.Column("kind", sa.Text()),
        sa.Column("npi", sa.Text()),
        sa.Column("parent_id", sa.Text()),
        sa.Column("line1", sa.Text()),
        sa.Column("line2", sa.Text()),
        sa.Column("city", sa.Text()),
        sa.Column("state", sa.Text()),
        sa.Column("zip", sa.Text()),
        sa.Column("latitude", sa.Float()),
        sa.Column("longitude", sa.Float()),
        sa.Column("geo_precision", sa.Text()),
    )
    op.create_table(
        "ae_intakes",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("hcp_id", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("aware_at", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("call_report_id", sa.Text()),
        sa.Column("product_id", sa.Text()),
        sa.Column("reporter", sa.Text()),
        sa.Column("patient_details", sa.Text()),
        sa.Column("seriousness", sa.Text()),
        sa.Column("categories", sa.Text()),
        sa.Column("status", sa.Text()),
        sa.Column("forwarded_at", sa.Text()),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
    )
    op.create_index("ae_intakes_received", "ae_intakes", ["received_at"])
    op.create_table(
        "alignments",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("territory_id", sa.Text()),
        sa.Column("hcp_id", sa.Text()),
        sa.Column("since_seq", sa.BigInteger(), nullable=False, server_default="0"),
        sa.UniqueConstraint("territory_id", "hcp_id", name="alignments_territory_hcp"),
    )
    op.create_table(
        "call_plans",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("territory_id", sa.Text()),
        sa.Column("hcp_id", sa.Text()),
        sa.Column("period_start", sa.Text()),
        sa.Column("period_end", sa.Text()),
        sa.Column("planned_visits", sa.Integer()),
    )
    op.create_index("call_plans_hcp", "call_plans", ["hcp_id"])
    op.create_table(
        "call_reports",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("hcp_id", sa.Text()),
        sa.Column("started_at", sa.Text()),
        sa.Column("call_type", sa.Text()),
        sa.Column("status", sa.Text()),
        sa.Column("attendees", sa.Text()),
        sa.Column("products", sa.Text()),
        sa.Column("topics", sa.Text()),
        sa.Column("content_shown", sa.Text()),
        sa.Column("samples", sa.Text()),
        sa.Column("notes", sa.Text()),
        sa.Column("follow_up_requests", sa.Text()),
        sa.Column("duration_min", sa.Integer()),
        sa.Column("created_at", sa.Text()),
        sa.Column("submitted_at", sa.Text()),
        sa.Column("device_id", sa.Text()),
    )
    op.create_index("call_reports_hcp", "call_reports", ["hcp_id"])
    op.create_table(
        "changes",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("tbl", sa.Text(), nullable=False),
        sa.Column("op", sa.Text(), nullable=False),
        sa.Column("row_id", sa.Text(), nullable=False),
        sa.Column("territory_id", sa.Text()),
        sa.Column("hcp_id", sa.Text()),
        sa.Column("row", sa.Text()),
        sa.Column("created_at", sa.Text(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("changes_created", "changes", ["created_at"])
    op.create_index("changes_row", "changes", ["row_id"])
    op.create_table(
        "consents",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("hcp_id", sa.Text()),
        sa.Column("channel", sa.Text()),
        sa.Column("state", sa.Text()),
        sa.Column("captured_at", sa.Text()),
        sa.Column("source", sa.Text()),
        sa.Column("expires_at", sa.Text()),
    )
    op.create_index("consents_hcp", "consents", ["hcp_id"])
    op.create_table(
        "content",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("title", sa.Text()),
        sa.Column("product_id", sa.Text()),
        sa.Column("topics", sa.Text()),
        sa.Column("channel", sa.Text()),
        sa.Column("mlr_code", sa.Text()),
        sa.Column("valid_from", sa.Text()),
        sa.Column("valid_to", sa.Text()),
        sa.Column("audience_specialties", sa.Text()),
        sa.Column("subject", sa.Text()),
        sa.Column("body", sa.Text()),
    )
    op.create_table(
        "data_change_requests",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("hcp_id", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("status", sa.Text(), nullable=False, server_default="open"),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column("device_id", sa.Text(), primary_key=True),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False, server_default=""),
        sa.Column("first_seen", sa.Text(), nullable=False),
        sa.Column("last_seen", sa.Text(), nullable=False),
        sa.Column("revoked", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("hcp_id", sa.Text()),
        sa.Column("type", sa.Text()),
        sa.Column("occurred_at", sa.Text()),
        sa.Column("channel", sa.Text()),
        sa.Column("product_id", sa.Text()),
        sa.Column("content_id", sa.Text()),
        sa.Column("topics", sa.Text()),
        sa.Column("quantity", sa.Integer()),
        sa.Column("source", sa.Text()),
    )
    op.create_index("events_hcp", "events", ["hcp_id"])
    op.create_table(
        "hcps",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("npi", sa.Text()),
        sa.Column("first_name", sa.Text()),
        sa.Column("middle_name", sa.Text()),
        sa.Column("last_name", sa.Text()),
        sa.Column("credentials", sa.Text()),
        sa.Column("specialty_code", sa.Text()),
        sa.Column("specialty_label", sa.Text()),
        sa.Column("segment", sa.Text()),
        sa.Column("decile", sa.Integer()),
        sa.Column("line1", sa.Text()),
        sa.Column("line2", sa.Text()),
        sa.Column("city", sa.Text()),
        sa.Column("state", sa.Text()),
        sa.Column("zip", sa.Text()),
        sa.Column("latitude", sa.Float()),
        sa.Column("longitude", sa.Float()),
        sa.Column("geo_precision", sa.Text()),
        sa.Column("preferred_channel", sa.Text()),
        sa.Column("do_not_contact", sa.Integer()),
        sa.Column("target", sa.Integer()),
        sa.Column("planned_visits", sa.Integer()),
        sa.Column("phone", sa.Text()),
        sa.Column("email", sa.Text()),
        sa.Column("active", sa.Integer()),
        sa.Column("affiliations", sa.Text()),
    )
    op.create_table(
        "hub_settings",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("value", sa.Text()),
    )
    op.create_table(
        "mutations",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("device_seq", sa.BigInteger(), nullable=False),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.UniqueConstraint("device_id", "device_seq", name="mutations_device_seq"),
    )
    op.create_table(
        "orphan_reports",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("hcp_id", sa.Text(), nullable=False),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("row", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("name", sa.Text()),
        sa.Column("generic_name", sa.Text()),
        sa.Column("therapeutic_area", sa.Text()),
        sa.Column("sample_limit_per_visit", sa.Integer()),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.Text(), primary_key=True),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("used_at", sa.Text()),
    )
    op.create_index("refresh_tokens_device", "refresh_tokens", ["device_id"])
    op.create_table(
        "screening_decisions",
        sa.Column("call_report_id", sa.Text(), primary_key=True),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text()),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("intake_id", sa.Text()),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "suggestion_feedback",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("hcp_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("suggestion_id", sa.Text()),
        sa.Column("reason", sa.Text()),
        sa.Column("note", sa.Text()),
        sa.Column("snooze_until", sa.Text()),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "territories",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("name", sa.Text()),
        sa.Column("region", sa.Text()),
        sa.Column("state", sa.Text()),
    )
    op.create_table(
        "users",
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created_at", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in [
        "users",
        "territories",
        "suggestion_feedback",
        "screening_decisions",
        "refresh_tokens",
        "products",
        "orphan_reports",
        "mutations",
        "hub_settings",
        "hcps",
        "events",
        "devices",
        "data_change_requests",
        "content",
        "consents",
        "changes",
        "call_reports",
        "call_plans",
        "alignments",
        "ae_intakes",
        "accounts",
    ]:
        op.drop_table(table)
