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
ADDED = [
    "console_visit_totals", "console_funnel_days", "console_report_days", "console_feedback_days",
    "console_list_days", "console_email_months", "console_email_specialty_months", "console_email_segment_months",
    "console_visit_months", "console_visit_totals_months", "console_funnel_months", "console_report_months",
    "console_feedback_months", "console_list_months", "console_visit_years",
]  # fmt: skip


def upgrade() -> None:
    derived.create(op.get_bind(), ADDED)


def downgrade() -> None:
    derived.drop(op.get_bind(), ADDED)
