"""The company's approved content as an approved-email system holds it (HTML body, link, attachment, withdrawal)
and the proof behind a consent record."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_CONTENT = ("html_body", "link", "attachment", "withdrawn_at", "withdrawn_reason")


def upgrade() -> None:
    with op.batch_alter_table("content") as batch:
        for name in _CONTENT:
            batch.add_column(sa.Column(name, sa.Text(), server_default=None if name == "withdrawn_at" else ""))
    with op.batch_alter_table("consents") as batch:
        batch.add_column(sa.Column("proof", sa.Text(), server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("consents") as batch:
        batch.drop_column("proof")
    with op.batch_alter_table("content") as batch:
        for name in reversed(_CONTENT):
            batch.drop_column(name)
