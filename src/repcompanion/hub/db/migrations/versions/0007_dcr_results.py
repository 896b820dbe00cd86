"""Synced decisions on data change requests, so the rep's laptop shows accepted or rejected with the reason."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dcr_results",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("hcp_id", sa.Text()),
        sa.Column("status", sa.Text()),
        sa.Column("decided_at", sa.Text()),
        sa.Column("reason", sa.Text()),
        sa.Column("changes", sa.Text()),
    )
    op.create_index("dcr_results_hcp", "dcr_results", ["hcp_id"])


def downgrade() -> None:
    op.drop_index("dcr_results_hcp", table_name="dcr_results")
    op.drop_table("dcr_results")
