"""Hub-only bookkeeping for forwarding adverse-event intakes to pharmacovigilance and for DCR decisions."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ae_forwarding",
        sa.Column("intake_id", sa.Text(), primary_key=True),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_attempt_at", sa.Text()),
        sa.Column("next_attempt_at", sa.Text()),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("recipient", sa.Text()),
        sa.Column("sent_at", sa.Text()),
    )
    op.create_table(
        "dcr_decisions",
        sa.Column("dcr_id", sa.Text(), primary_key=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("applied", sa.Text()),
        sa.Column("previous", sa.Text()),
    )


def downgrade() -> None:
    op.drop_table("dcr_decisions")
    op.drop_table("ae_forwarding")
