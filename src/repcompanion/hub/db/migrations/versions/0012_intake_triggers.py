"""An adverse-event intake carries the words in the note that triggered the screener's flag (nullable: intakes an
earlier release pushed have none)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ae_intakes") as batch:
        batch.add_column(sa.Column("triggers", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ae_intakes") as batch:
        batch.drop_column("triggers")
