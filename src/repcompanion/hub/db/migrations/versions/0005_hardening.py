"""Hardening: the audit log of admin actions and the device revocations (when, why, by whom, flush state)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("arguments", sa.Text(), nullable=False),
        sa.Column("host", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("audit_log_at", "audit_log", ["at"])
    op.create_table(
        "device_revocations",
        sa.Column("device_id", sa.Text(), primary_key=True),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("revoked_at", sa.Text(), nullable=False),
        sa.Column("revoked_by", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("flush_started_at", sa.Text()),
        sa.Column("flushed_at", sa.Text()),
    )


def downgrade() -> None:
    op.drop_table("device_revocations")
    op.drop_index("audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
