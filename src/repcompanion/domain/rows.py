"""The row codec of every stored and synced table, declared once from its record (see ``domain.codec``).

A row is a dict of plain values: the local store's, the hub's and the wire's shape. Tuples are JSON arrays;
sync protocol 1 carried some as ';'-joined text (``PROTOCOL_1_JOINED``), which ``tuple_parse`` still reads.
"""

from __future__ import annotations

from datetime import datetime

from repcompanion.domain.codec import (
    ColumnType,
    Row,
    TableCodec,
    d_parse,
    d_text,
    dt_parse,
    dt_text,
    joined_text,
    table_codec,
    tuple_parse,
    tuple_text,
)
from repcompanion.domain.models import (
    Account,
    AdverseEventIntake,
    Alignment,
    CallPlan,
    CallReport,
    Consent,
    Content,
    DataChangeRequest,
    EngagementEvent,
    FollowUpJob,
    Hcp,
    Product,
    ScreeningDecision,
    SuggestionFeedback,
    Territory,
)

TERRITORIES = table_codec("territories", Territory)
ACCOUNTS = table_codec("accounts", Account, flatten=("address",))
PRODUCTS = table_codec("products", Product)
CONTENT = table_codec("content", Content)
HCPS = table_codec("hcps", Hcp, flatten=("address",))
ALIGNMENTS = table_codec("alignments", Alignment, derived={"id": lambda a: f"{a.territory_id}|{a.hcp_id}"})
CONSENTS = table_codec("consents", Consent)
CALL_PLANS = table_codec("call_plans", CallPlan)
EVENTS = table_codec("events", EngagementEvent)
CALL_REPORTS = table_codec("call_reports", CallReport)
FOLLOW_UPS = table_codec("follow_ups", FollowUpJob)
#: An admin's decision on a data change request, sent down to the rep's laptop (without the rep's note).
DCR_RESULTS = table_codec(
    "dcr_results",
    DataChangeRequest,
    rebuilt={"note": lambda r: "", "created_at": lambda r: dt_parse(r["decided_at"]) or datetime.min},
)

# Local tables whose rows are pushed to the hub (as outbox payloads), never synced down as tables.
SUGGESTION_FEEDBACK = table_codec("suggestion_feedback", SuggestionFeedback)
AE_INTAKES = table_codec("ae_intakes", AdverseEventIntake)
SCREENING_DECISIONS = table_codec("screening_decisions", ScreeningDecision)
#: The local record of the rep's own data change requests; results arrive as ``dcr_results`` and HCP rows.
DATA_CHANGE_REQUESTS = table_codec("data_change_requests", DataChangeRequest)

#: Tables the hub sends down, in dependency order (parents first).
SYNCED_TABLES: dict[str, TableCodec] = {
    c.table: c
    for c in (
        TERRITORIES,
        ACCOUNTS,
        PRODUCTS,
        CONTENT,
        HCPS,
        ALIGNMENTS,
        CONSENTS,
        CALL_PLANS,
        EVENTS,
        CALL_REPORTS,
        FOLLOW_UPS,
        DCR_RESULTS,
    )
}
#: Every table with a codec: the synced ones and the rep's local ones.
ROW_CODECS: dict[str, TableCodec] = {
    **SYNCED_TABLES,
    **{c.table: c for c in (SUGGESTION_FEEDBACK, AE_INTAKES, SCREENING_DECISIONS, DATA_CHANGE_REQUESTS)},
}

#: Tables whose rows hang off an HCP: purged locally when the HCP leaves the territory.
HCP_DEPENDENT_TABLES = (
    "consents",
    "call_plans",
    "events",
    "call_reports",
    "alignments",
    "follow_ups",
    "dcr_results",
)

#: Tuple columns that sync protocol 1 (and workspaces before schema 7, hubs before revision 0009) stored as
#: ';'-joined text instead of a JSON array. Frozen: it describes a released format.
PROTOCOL_1_JOINED: dict[str, tuple[str, ...]] = {
    "content": ("topics", "audience_specialties"),
    "events": ("topics",),
    "ae_intakes": ("categories",),
    "screening_decisions": ("categories",),
}

DCR_COLUMNS = DATA_CHANGE_REQUESTS.columns
DCR_RESULT_COLUMNS = DCR_RESULTS.columns

territory_to_row, territory_from_row = TERRITORIES.to_row, TERRITORIES.from_row
account_to_row, account_from_row = ACCOUNTS.to_row, ACCOUNTS.from_row
product_to_row, product_from_row = PRODUCTS.to_row, PRODUCTS.from_row
content_to_row, content_from_row = CONTENT.to_row, CONTENT.from_row
hcp_to_row, hcp_from_row = HCPS.to_row, HCPS.from_row
alignment_to_row, alignment_from_row = ALIGNMENTS.to_row, ALIGNMENTS.from_row
consent_to_row, consent_from_row = CONSENTS.to_row, CONSENTS.from_row
call_plan_to_row, call_plan_from_row = CALL_PLANS.to_row, CALL_PLANS.from_row
event_to_row, event_from_row = EVENTS.to_row, EVENTS.from_row
call_report_to_row, call_report_from_row = CALL_REPORTS.to_row, CALL_REPORTS.from_row
follow_up_to_row, follow_up_from_row = FOLLOW_UPS.to_row, FOLLOW_UPS.from_row
dcr_result_to_row, dcr_result_from_row = DCR_RESULTS.to_row, DCR_RESULTS.from_row
feedback_to_row, feedback_from_row = SUGGESTION_FEEDBACK.to_row, SUGGESTION_FEEDBACK.from_row
intake_to_row, intake_from_row = AE_INTAKES.to_row, AE_INTAKES.from_row
decision_to_row, decision_from_row = SCREENING_DECISIONS.to_row, SCREENING_DECISIONS.from_row
dcr_to_row, dcr_from_row = DATA_CHANGE_REQUESTS.to_row, DATA_CHANGE_REQUESTS.from_row

__all__ = [
    "ACCOUNTS",
    "AE_INTAKES",
    "ALIGNMENTS",
    "CALL_PLANS",
    "CALL_REPORTS",
    "CONSENTS",
    "CONTENT",
    "DATA_CHANGE_REQUESTS",
    "DCR_COLUMNS",
    "DCR_RESULTS",
    "DCR_RESULT_COLUMNS",
    "EVENTS",
    "FOLLOW_UPS",
    "HCPS",
    "HCP_DEPENDENT_TABLES",
    "PRODUCTS",
    "PROTOCOL_1_JOINED",
    "ROW_CODECS",
    "SCREENING_DECISIONS",
    "SUGGESTION_FEEDBACK",
    "SYNCED_TABLES",
    "TERRITORIES",
    "ColumnType",
    "Row",
    "TableCodec",
    "account_from_row",
    "account_to_row",
    "alignment_from_row",
    "alignment_to_row",
    "call_plan_from_row",
    "call_plan_to_row",
    "call_report_from_row",
    "call_report_to_row",
    "consent_from_row",
    "consent_to_row",
    "content_from_row",
    "content_to_row",
    "d_parse",
    "d_text",
    "dcr_from_row",
    "dcr_result_from_row",
    "dcr_result_to_row",
    "dcr_to_row",
    "decision_from_row",
    "decision_to_row",
    "dt_parse",
    "dt_text",
    "event_from_row",
    "event_to_row",
    "feedback_from_row",
    "feedback_to_row",
    "follow_up_from_row",
    "follow_up_to_row",
    "hcp_from_row",
    "hcp_to_row",
    "intake_from_row",
    "intake_to_row",
    "joined_text",
    "product_from_row",
    "product_to_row",
    "territory_from_row",
    "territory_to_row",
    "tuple_parse",
    "tuple_text",
]
