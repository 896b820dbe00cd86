"""Every hub table on one MetaData (SQLAlchemy Core): the synced tables, the change log and the hub-only tables.

Alembic's ``env.py`` compares against ``metadata``; ``tests/hub/test_schema_matches_migrations.py`` fails when a
table here and the migrated database differ.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
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

#: The change log. ``seq`` is the commit-ordered cursor (writers are serialised, see engine.HubDb.write).
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
    # migration 0011: rep, manager, brand, medical or admin; a rep's manager; why and when the user was disabled
    Column("role", Text, nullable=False, server_default="rep"),
    Column("manager", Text),
    Column("disabled_at", Text),
    Column("disabled_reason", Text, nullable=False, server_default=""),
    Column("password_changed_at", Text),
    #: set when one of the user's devices was revoked: a new device waits for an admin's approval
    Column("device_approval_required", Integer, nullable=False, server_default="0"),
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
    #: 0 while a new device of a user with a revoked one waits for an admin's approval (migration 0011)
    Column("approved", Integer, nullable=False, server_default="1"),
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
    # migration 0011: the queue: open → reassigned (filed under the HCP's current territory) or closed
    Column("status", Text, nullable=False, server_default="open"),
    Column("decided_at", Text),
    Column("decided_by", Text),
    Column("decision_note", Text, nullable=False, server_default=""),
    Column("reassigned_to", Text),
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
    Column("triggers", Text),  # revision 0012: the words that raised the flag (NULL from earlier releases)
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

# -- follow-up delivery (migration 0003) -------------------------------------------------------------------

#: One row per deliverable follow-up (email or invitation). ``status``: scheduled → sent, or failed (dead
#: letter, ``dead_letter_reason`` says why). A worker owns a job while ``lease_expires_at`` is in the future.
followup_jobs = Table(
    "followup_jobs",
    metadata,
    Column("id", Text, primary_key=True),
    Column("hcp_id", Text, nullable=False),
    Column("journey", Text, nullable=False),
    Column("journey_version", Integer, nullable=False, server_default="1"),
    Column("action", Text, nullable=False),
    Column("content_id", Text),
    Column("call_report_id", Text),
    Column("status", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("due_at", Text, nullable=False),
    Column("next_attempt_at", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("lease_owner", Text),
    Column("lease_expires_at", Text),
    Column("message_id", Text, nullable=False),
    Column("sent_at", Text),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("dead_letter_reason", Text, nullable=False, server_default=""),
    Index("followup_jobs_due", "status", "next_attempt_at"),
    Index("followup_jobs_hcp", "hcp_id"),
)

#: Engagement event ids already applied (replay protection for POST /v1/engagement).
engagement_seen = Table(
    "engagement_seen",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("received_at", Text, nullable=False),
    Column("provider", Text, nullable=False, server_default="signed"),  # migration 0011
)

#: Provider events the hub could not match to a follow-up (kept, never lost; migration 0011).
engagement_unmatched = Table(
    "engagement_unmatched",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("provider", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("message_id", Text, nullable=False, server_default=""),
    Column("reason", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", Text, nullable=False),
)

# -- adverse-event forwarding and DCR decisions (migration 0004) --------------------------------------------

#: One row per intake once forwarding to pharmacovigilance was tried.
ae_forwarding = Table(
    "ae_forwarding",
    metadata,
    Column("intake_id", Text, primary_key=True),
    Column("message_id", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_attempt_at", Text),
    Column("next_attempt_at", Text),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("recipient", Text),
    Column("sent_at", Text),
)

#: Who decided a data change request, when, why, and the HCP values before and after.
dcr_decisions = Table(
    "dcr_decisions",
    metadata,
    Column("dcr_id", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("decided_at", Text, nullable=False),
    Column("decided_by", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("applied", Text),
    Column("previous", Text),
)

# -- admin audit trail and device revocation (migration 0005) -----------------------------------------------

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("arguments", Text, nullable=False),
    Column("host", Text, nullable=False, server_default=""),
    Index("audit_log_at", "at"),
)

device_revocations = Table(
    "device_revocations",
    metadata,
    Column("device_id", Text, primary_key=True),
    Column("user_name", Text, nullable=False),
    Column("revoked_at", Text, nullable=False),
    Column("revoked_by", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("flush_started_at", Text),
    Column("flushed_at", Text),
)

# -- the model registry (migration 0006) ---------------------------------------------------------------------

#: Published propensity models, stored whole (``data``: the .skops bytes) with their SHA-256 and signature.
model_versions = Table(
    "model_versions",
    metadata,
    Column("version", Text, primary_key=True),
    Column("created_at", Text, nullable=False),
    Column("metrics", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("signature", Text, nullable=False),
    Column("key_id", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Index("model_versions_created", "created_at"),
)

# -- the web console and what it acts on (migration 0013) ------------------------------------------------------

#: A console sign-in: only the SHA-256 of the cookie is stored; ``csrf`` is the token every form must carry.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("user_name", Text, nullable=False),
    Column("csrf", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("last_seen_at", Text, nullable=False),
    Column("ended_at", Text),
    Index("console_sessions_user", "user_name"),
)

#: Journeys an operator paused: no new follow-up is planned (each is suppressed, saying so) and due e-mails wait.
journey_pauses = Table(
    "journey_pauses",
    metadata,
    Column("journey", Text, primary_key=True),
    Column("paused_at", Text, nullable=False),
    Column("paused_by", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
)

#: Pharmacovigilance's handling of an intake on the hub: acknowledged (by whom, when) and re-forwarded.
ae_reviews = Table(
    "ae_reviews",
    metadata,
    Column("intake_id", Text, primary_key=True),
    Column("acknowledged_at", Text),
    Column("acknowledged_by", Text),
    Column("note", Text, nullable=False, server_default=""),
    Column("reforwarded", Integer, nullable=False, server_default="0"),
    Column("reforwarded_at", Text),
    Column("reforwarded_by", Text),
)

#: The suggestion model each device says it runs (on its model check) and the version it last downloaded.
device_models = Table(
    "device_models",
    metadata,
    Column("device_id", Text, primary_key=True),
    Column("running", Text, nullable=False, server_default=""),
    Column("checked_at", Text),
    Column("downloaded", Text, nullable=False, server_default=""),
    Column("downloaded_at", Text),
)

#: The ranked list a laptop showed its rep on a day (``suggestions.shown``): its size and its top suggestion.
suggestion_lists = Table(
    "suggestion_lists",
    metadata,
    Column("id", Text, primary_key=True),
    Column("day", Text, nullable=False),
    Column("shown_at", Text, nullable=False),
    Column("shown", Integer, nullable=False),
    Column("top_hcp_id", Text),
    Column("top_action", Text),
    Column("model_version", Text, nullable=False, server_default=""),
    Column("rules_version", Text, nullable=False, server_default=""),
    Column("user_name", Text, nullable=False),
    Column("territory_id", Text, nullable=False),
    Column("device_id", Text, nullable=False),
    Column("received_at", Text, nullable=False),
    Index("suggestion_lists_day", "day"),
)

Index("suggestion_feedback_at", suggestion_feedback.c.at)
Index("events_type_occurred", synced["events"].c.type, synced["events"].c.occurred_at)
#: an HCP's events of a type after a time (the console's "MSL visit after the suggestion", "visited that day")
Index("events_hcp_type_occurred", synced["events"].c.hcp_id, synced["events"].c.type, synced["events"].c.occurred_at)
Index("suggestion_feedback_hcp", suggestion_feedback.c.hcp_id, suggestion_feedback.c.at)
#: the console's funnel reads the follow-ups planned and the visits made in a date range
Index("follow_ups_created", synced["follow_ups"].c.created_at)
Index("call_reports_started", synced["call_reports"].c.started_at)

# -- derived relations: materialized views on PostgreSQL, tables the worker refreshes on SQLite (db/derived.py) --


def _email_counts(name: str, key: str) -> Table:
    """E-mail engagement per day, territory, product and ``key`` (from ``events``): one narrow aggregate per
    breakdown the console shows, so that a year of a big hub is a few hundred thousand rows, not millions."""
    return Table(
        name,
        metadata,
        Column("day", Text, nullable=False),
        Column("territory_id", Text, nullable=False),
        Column("product_id", Text),
        Column(key, Text),
        Column("sent", BigInteger, nullable=False),
        Column("opened", BigInteger, nullable=False),
        Column("clicked", BigInteger, nullable=False),
        Column("bounced", BigInteger, nullable=False),
        Index(f"{name}_day", "day", "territory_id"),
        Index(f"{name}_by", key),  # "never used": is there any row of this item, at any date
        info={"derived": True},
    )


#: E-mail engagement per day, territory, product and content item.
console_email_days = _email_counts("console_email_days", "content_id")
#: ... per day, territory, product and the HCP's specialty (NUCC code).
console_email_specialty = _email_counts("console_email_specialty", "specialty_code")
#: ... per day, territory, product and the HCP's segment.
console_email_segment = _email_counts("console_email_segment", "segment")

#: Visits (in person and remote) per day, territory, HCP and product (from ``events``).
console_visit_days = Table(
    "console_visit_days",
    metadata,
    Column("day", Text, nullable=False),
    Column("territory_id", Text, nullable=False),
    Column("hcp_id", Text, nullable=False),
    Column("product_id", Text),
    Column("visits", BigInteger, nullable=False),
    Index("console_visit_days_day", "day", "territory_id"),
    info={"derived": True},
)

#: Visits per day, territory and product, and those of them made to an HCP on a call plan within its period (counted
#: once per plan, as the field page's attainment does): the field page's visit totals without one row per HCP.
console_visit_totals = Table(
    "console_visit_totals",
    metadata,
    Column("day", Text, nullable=False),
    Column("territory_id", Text, nullable=False),
    Column("product_id", Text),
    Column("visits", BigInteger, nullable=False),
    Column("plan_visits", BigInteger, nullable=False),
    Index("console_visit_totals_day", "day", "territory_id"),
    info={"derived": True},
)

#: the territory key of the aggregates that also count every row once for a viewer of every territory
ALL_TERRITORIES = "*"

#: the funnel's counts per follow-up stage, and of e-mails sent after a visit (within 24 hours of it)
FUNNEL_COUNTS = (
    "planned", "blocked_consent", "blocked_cap", "blocked_content", "blocked_other", "sent", "delivered", "opened",
    "clicked", "msl_suggested", "msl_accepted", "msl_done", "sent_after_visit", "within_24h",
)  # fmt: skip

#: The funnel's follow-up stages per day created, territory of the HCP (and once more under ``*``: every follow-up,
#: aligned or not), journey, product (the content's, else the visit's first; '(none)') and the content's product.
console_funnel_days = Table(
    "console_funnel_days",
    metadata,
    Column("day", Text, nullable=False),
    Column("territory_id", Text, nullable=False),
    Column("journey", Text, nullable=False),
    Column("product_id", Text, nullable=False),
    Column("content_product_id", Text, nullable=False),
    *[Column(name, BigInteger, nullable=False) for name in FUNNEL_COUNTS],
    Column("hours_sum", Float),
    Column("hours_max", Float),
    Index("console_funnel_days_day", "day", "territory_id"),
    info={"derived": True},
)

#: Submitted call reports per day the visit started, territory of the HCP (and ``*``) and products (the JSON list).
console_report_days = Table(
    "console_report_days",
    metadata,
    Column("day", Text, nullable=False),
    Column("territory_id", Text, nullable=False),
    Column("products", Text, nullable=False),
    Column("reports", BigInteger, nullable=False),
    Index("console_report_days_day", "day", "territory_id"),
    info={"derived": True},
)

#: Suggestion feedback per day given, territory and rep (as the laptop sent them), action, kind and reason.
console_feedback_days = Table(
    "console_feedback_days",
    metadata,
    Column("day", Text, nullable=False),
    Column("territory_id", Text, nullable=False),
    Column("user_name", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("feedback", BigInteger, nullable=False),
    Index("console_feedback_days_day", "day", "territory_id"),
    info={"derived": True},
)

#: Suggestion lists shown per day, territory and rep: lists, suggestions on them, lists whose top was followed.
console_list_days = Table(
    "console_list_days",
    metadata,
    Column("day", Text, nullable=False),
    Column("territory_id", Text, nullable=False),
    Column("user_name", Text, nullable=False),
    Column("lists", BigInteger, nullable=False),
    Column("shown", BigInteger, nullable=False),
    Column("top_followed", BigInteger, nullable=False),
    Index("console_list_days_day", "day", "territory_id"),
    info={"derived": True},
)


def _months(days: Table) -> Table:
    """The monthly twin of a daily aggregate: the same key with ``month`` ('YYYY-MM') for ``day``, the same sums
    (so a long range reads its whole months here and only its partial months' days from the daily one)."""
    name = days.name.replace("_days", "") + "_months" if days.name.endswith("_days") else days.name + "_months"
    columns = [
        Column("month", Text, nullable=False) if c.name == "day" else Column(c.name, c.type, nullable=c.nullable)
        for c in days.columns
    ]
    return Table(name, metadata, *columns, Index(f"{name}_month", "month", "territory_id"), info={"derived": True})


#: Per calendar year, territory, HCP and product (and ``*``: any product), the months with a visit as a bitmask (bit
#: 0 January … bit 11 December): HCPs reached over whole months without reading a row per month.
console_visit_years = Table(
    "console_visit_years",
    metadata,
    Column("year", Text, nullable=False),
    Column("territory_id", Text, nullable=False),
    Column("hcp_id", Text, nullable=False),
    Column("product_id", Text, nullable=False),
    Column("months", BigInteger, nullable=False),
    Index("console_visit_years_year", "year", "product_id", "territory_id"),
    info={"derived": True},
)

#: monthly twins, by the name of their daily aggregate
MONTHS: dict[str, Table] = {
    t.name: _months(t)
    for t in (
        console_email_days, console_email_specialty, console_email_segment, console_visit_days,
        console_visit_totals, console_funnel_days, console_report_days, console_feedback_days, console_list_days,
    )
}  # fmt: skip
