"""The hub's tables (SQLAlchemy Core): synced tables mirroring the row codecs, the change log, auth, intake."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

from repcompanion.domain.rows import SYNCED_TABLES

metadata = MetaData()

#: The SQL type of each synced column, as the table's row codec declares it.
_COLUMN_TYPES = {"TEXT": Text, "INTEGER": Integer, "REAL": Float}


def _synced_column(table: str, name: str) -> Column:
    if name == "id":
        return Column("id", Text, primary_key=True)
    return Column(name, _COLUMN_TYPES[SYNCED_TABLES[table].column_types[name]])


def _synced_table(name: str) -> Table:
    columns = [_synced_column(name, c) for c in SYNCED_TABLES[name].columns]
    extra: list[Column | Index | UniqueConstraint] = []
    if name == "alignments":
        # Hub-only: the log head when the HCP joined the territory; older untagged changes of that HCP are not
        # served to this territory (it received a re-emit instead). Never sent down.
        extra.append(Column("since_seq", BigInteger, nullable=False, server_default="0"))
        extra.append(UniqueConstraint("territory_id", "hcp_id", name="alignments_territory_hcp"))
    if "hcp_id" in SYNCED_TABLES[name].columns and name != "alignments":
        extra.append(Index(f"{name}_hcp", "hcp_id"))
    return Table(name, metadata, *columns, *extra)


synced: dict[str, Table] = {name: _synced_table(name) for name in SYNCED_TABLES}

#: The change log. ``seq`` is the commit-ordered cursor (writers are serialised, see db.HubDb.write).
changes = Table(
    "changes",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("tbl", Text, nullable=False),
    Column("op", Text, nullable=False),
    Column("row_id", Text, nullable=False),
    Column("territory_id", Text),
    Column("hcp_id", Text),
    Column("row", Text),
    Column("created_at", Text, nullable=False),
    Index("changes_row", "row_id"),
    Index("changes_created", "created_at"),
    sqlite_autoincrement=True,
)

hub_settings = Table("hub_settings", metadata, Column("key", Text, primary_key=True), Column("value", Text))

users = Table(
    "users",
    metadata,
    Column("name", Text, primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("territory_id", Text, nullable=False),
    Column("active", Integer, nullable=False, server_default="1"),
    Column("created_at", Text, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("device_id", Text, primary_key=True),
    Column("user_name", Text, nullable=False),
    Column("name", Text, nullable=False, server_default=""),
    Column("first_seen", Text, nullable=False),
    Column("last_seen", Text, nullable=False),
    Column("revoked", Integer, nullable=False, server_default="0"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("user_name", Text, nullable=False),
    Column("device_id", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("used_at", Text),
    Index("refresh_tokens_device", "device_id"),
)

mutations = Table(
    "mutations",
    metadata,
    Column("id", Text, primary_key=True),
    Column("device_id", Text, nullable=False),
    Column("device_seq", BigInteger, nullable=False),
    Column("user_name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("received_at", Text, nullable=False),
    UniqueConstraint("device_id", "device_seq", name="mutations_device_seq"),
)

#: Submitted reports for HCPs outside the rep's territory: kept for the manager, never synced down.
orphan_reports = Table(
    "orphan_reports",
    metadata,
    Column("id", Text, primary_key=True),
    Column("hcp_id", Text, nullable=False),
    Column("user_name", Text, nullable=False),
    Column("territory_id", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("row", Text, nullable=False),
    Column("received_at", Text, nullable=False),
)

ae_intakes = Table(
    "ae_intakes",
    metadata,
    Column("id", Text, primary_key=True),
    Column("hcp_id", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("aware_at", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("call_report_id", Text),
    Column("product_id", Text),
    Column("reporter", Text),
    Column("patient_details", Text),
    Column("seriousness", Text),
    Column("categories", Text),
    Column("status", Text),
    Column("forwarded_at", Text),
    Column("user_name", Text, nullable=False),
    Column("territory_id", Text, nullable=False),
    Column("device_id", Text, nullable=False),
    Column("received_at", Text, nullable=False),
    Index("ae_intakes_received", "received_at"),
)

screening_decisions = Table(
    "screening_decisions",
    metadata,
    Column("call_report_id", Text, primary_key=True),
    Column("decision", Text, nullable=False),
    Column("categories", Text),
    Column("at", Text, nullable=False),
    Column("reason", Text),
    Column("intake_id", Text),
    Column("user_name", Text, nullable=False),
    Column("received_at", Text, nullable=False),
)

suggestion_feedback = Table(
    "suggestion_feedback",
    metadata,
    Column("id", Text, primary_key=True),
    Column("hcp_id", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("suggestion_id", Text),
    Column("reason", Text),
    Column("note", Text),
    Column("snooze_until", Text),
    Column("user_name", Text, nullable=False),
    Column("territory_id", Text, nullable=False),
    Column("received_at", Text, nullable=False),
)

data_change_requests = Table(
    "data_change_requests",
    metadata,
    Column("id", Text, primary_key=True),
    Column("hcp_id", Text, nullable=False),
    Column("changes", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False, server_default="open"),
    Column("user_name", Text, nullable=False),
    Column("territory_id", Text, nullable=False),
    Column("received_at", Text, nullable=False),
)

#: Hub-only: HCP fields set by an accepted data change request, with the source's value at that time. An import
#: keeps the request's value while the source still says ``source_value``; a new source value wins.
dcr_overrides = Table(
    "dcr_overrides",
    metadata,
    Column("hcp_id", Text, primary_key=True),
    Column("field", Text, primary_key=True),
    Column("value", Text),
    Column("source_value", Text),
    Column("dcr_id", Text, nullable=False),
)
