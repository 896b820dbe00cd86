"""The console's aggregates for long ranges: monthly twins of every daily aggregate (a year reads twelve months, not
365 days), and daily aggregates of what the funnel, suggestions and field pages counted live from the rows — the
follow-up stages, call reports, suggestion feedback and lists, visit totals (materialized views on PostgreSQL,
tables on SQLite; see ``db/derived.py``)."""

from __future__ import annotations

from alembic import op

from repcompanion.hub.db import derived

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: the derived relations this revision adds, in the order they are created (each after the ones it reads)
ADDED = [name for name in derived.DERIVED if name not in derived.FIRST]


def upgrade() -> None:
    derived.create(op.get_bind(), ADDED)


def downgrade() -> None:
    derived.drop(op.get_bind(), ADDED)
