"""Imports that sync: the DCR overrides table, and a repair of HCPs an import aligned but never served.

Before this revision an import logged a new HCP's row, then aligned it with ``since_seq`` at the log head, so
the territory's laptops received the alignment but never the HCP (a foreign-key failure on every pull). For each
such alignment this revision drops the stranded alignment change and logs, at the head and tagged to the
territory, the newest logged version of the HCP's row and of each row hanging off it, then the alignment.
Self-contained SQL over the logged JSON: it does not depend on the codecs of later releases.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = ("0003", "0004", "0005", "0006", "0007")
branch_labels = None
depends_on = None

_STRANDED = sa.text(
    """
    SELECT a.id, a.territory_id, a.hcp_id FROM alignments a
    WHERE NOT EXISTS (
        SELECT 1 FROM changes c WHERE c.tbl = 'hcps' AND c.row_id = a.hcp_id AND c.op = 'upsert'
        AND ((c.territory_id IS NULL AND c.seq > a.since_seq) OR c.territory_id = a.territory_id)
    )
    ORDER BY a.hcp_id, a.territory_id
    """
)
# the newest logged change of each row of the HCP that this territory may receive
_LATEST = sa.text(
    """
    SELECT c.tbl, c.op, c.row_id, c.row FROM changes c
    WHERE c.hcp_id = :h AND c.tbl <> 'alignments' AND (c.territory_id IS NULL OR c.territory_id = :t)
    AND c.seq = (
        SELECT MAX(c2.seq) FROM changes c2
        WHERE c2.tbl = c.tbl AND c2.row_id = c.row_id AND (c2.territory_id IS NULL OR c2.territory_id = :t)
    )
    ORDER BY CASE WHEN c.tbl = 'hcps' THEN 0 ELSE 1 END, c.tbl, c.row_id
    """
)


def upgrade() -> None:
    op.create_table(
        "dcr_overrides",
        sa.Column("hcp_id", sa.Text(), primary_key=True),
        sa.Column("field", sa.Text(), primary_key=True),
        sa.Column("value", sa.Text()),
        sa.Column("source_value", sa.Text()),
        sa.Column("dcr_id", sa.Text(), nullable=False),
    )
    conn = op.get_bind()
    changes = sa.table(
        "changes",
        sa.column("tbl"),
        sa.column("op"),
        sa.column("row_id"),
        sa.column("territory_id"),
        sa.column("hcp_id"),
        sa.column("row"),
        sa.column("created_at"),
    )
    at = datetime.now(UTC).isoformat()
    for alignment_id, territory_id, hcp_id in conn.execute(_STRANDED).all():
        entries = [
            {
                "tbl": tbl,
                "op": "upsert",
                "row_id": row_id,
                "territory_id": territory_id,
                "hcp_id": hcp_id,
                "row": row,
                "created_at": at,
            }
            for tbl, op_, row_id, row in conn.execute(_LATEST, {"h": hcp_id, "t": territory_id}).all()
            if op_ == "upsert"
        ]
        if not entries or entries[0]["tbl"] != "hcps":
            continue  # the HCP itself was never logged: nothing a laptop could receive
        conn.execute(
            sa.text("DELETE FROM changes WHERE tbl = 'alignments' AND row_id = :a AND territory_id = :t"),
            {"a": alignment_id, "t": territory_id},
        )
        row = f'{{"id":"{alignment_id}","territory_id":"{territory_id}","hcp_id":"{hcp_id}"}}'
        entries.append(
            {
                "tbl": "alignments",
                "op": "upsert",
                "row_id": alignment_id,
                "territory_id": territory_id,
                "hcp_id": hcp_id,
                "row": row,
                "created_at": at,
            }
        )
        conn.execute(changes.insert(), entries)
        conn.execute(
            sa.text("UPDATE alignments SET since_seq = (SELECT MAX(seq) FROM changes) WHERE id = :a"),
            {"a": alignment_id},
        )


def downgrade() -> None:
    op.drop_table("dcr_overrides")
