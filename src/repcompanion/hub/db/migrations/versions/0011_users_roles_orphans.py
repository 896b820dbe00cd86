"""User administration: roles, a rep's manager, disabling, device approval after a revocation, and the queue of
call reports that arrived after a realignment (orphan reports: open, reassigned or closed)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("role", sa.Text(), nullable=False, server_default="rep"))
        batch.add_column(sa.Column("manager", sa.Text()))
        batch.add_column(sa.Column("disabled_at", sa.Text()))
        batch.add_column(sa.Column("disabled_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("password_changed_at", sa.Text()))
        batch.add_column(sa.Column("device_approval_required", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("approved", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("orphan_reports") as batch:
        batch.add_column(sa.Column("status", sa.Text(), nullable=False, server_default="open"))
        batch.add_column(sa.Column("decided_at", sa.Text()))
        batch.add_column(sa.Column("decided_by", sa.Text()))
        batch.add_column(sa.Column("decision_note", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("reassigned_to", sa.Text()))
    with op.batch_alter_table("engagement_seen") as batch:
        batch.add_column(sa.Column("provider", sa.Text(), nullable=False, server_default="signed"))
    op.create_table(
        "engagement_unmatched",
        sa.Column("event_id", sa.Text(), primary_key=True),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False, server_default=""),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("engagement_unmatched")
    with op.batch_alter_table("engagement_seen") as batch:
        batch.drop_column("provider")
    with op.batch_alter_table("orphan_reports") as batch:
        for name in ("reassigned_to", "decision_note", "decided_by", "decided_at", "status"):
            batch.drop_column(name)
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("approved")
    with op.batch_alter_table("users") as batch:
        for name in (
            "device_approval_required",
            "password_changed_at",
            "disabled_reason",
            "disabled_at",
            "manager",
            "role",
        ):
            batch.drop_column(name)
