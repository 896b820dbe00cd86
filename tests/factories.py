"""Small hand-built domain records for tests that do not need a whole simulated territory."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from repcompanion.domain import (
    Account,
    AccountId,
    AccountKind,
    Address,
    Affiliation,
    Alignment,
    CallPlan,
    CallPlanId,
    CallReport,
    CallReportId,
    CallType,
    Channel,
    Consent,
    ConsentId,
    ConsentState,
    Content,
    ContentId,
    EngagementEvent,
    EventId,
    EventType,
    GeoPrecision,
    Hcp,
    HcpId,
    Product,
    ProductId,
    Segment,
    Territory,
    TerritoryId,
    uuid7,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def address(city: str = "Worcester", zip_code: str = "01608") -> Address:
    return Address(
        "1 Main St", city, "MA", zip_code, latitude=42.26, longitude=-71.80, geo_precision=GeoPrecision.ZIP_CENTROID
    )


def account(i: int = 1, name: str = "Saint Vincent Hospital") -> Account:
    return Account(AccountId(f"A{i:04d}"), name, AccountKind.HOSPITAL, address())


def hcp(i: int = 1, last: str = "Okafor", city: str = "Worcester", account_id: str = "A0001") -> Hcp:
    return Hcp(
        id=HcpId(f"H{i:05d}"),
        npi="1234567893",
        first_name="Ada",
        last_name=last,
        credentials="MD",
        specialty_code="207RC0000X",
        specialty_label="Cardiovascular Disease",
        segment=Segment.A,
        decile=9,
        address=address(city),
        planned_visits=4,
        affiliations=(Affiliation(AccountId(account_id), "attending", True),),
        email="ada@example.org",
    )


def product() -> Product:
    return Product(ProductId("P1"), "Cardiva", "cardivastatin", "cardiometabolic", 4)


def content(i: int = 1) -> Content:
    return Content(
        ContentId(f"C{i:03d}"),
        "Efficacy in the CARDI-1 trial",
        ProductId("P1"),
        ("efficacy",),
        Channel.EMAIL,
        "US-CAR-0001 v1",
        date(2026, 1, 1),
        date(2027, 12, 31),
    )


def consent(
    hcp_id: str = "H00001", channel: Channel = Channel.EMAIL, state: ConsentState = ConsentState.OPT_IN, i: int = 1
) -> Consent:
    return Consent(ConsentId(f"K{i:05d}"), HcpId(hcp_id), channel, state, T0 - timedelta(days=100), "signed form")


def event(hcp_id: str = "H00001", i: int = 1, days_ago: int = 10, kind: EventType = EventType.VISIT) -> EngagementEvent:
    return EngagementEvent(
        EventId(f"E{i:07d}"),
        HcpId(hcp_id),
        kind,
        T0 - timedelta(days=days_ago),
        Channel.IN_PERSON,
        ProductId("P1"),
        None,
        ("efficacy",),
    )


def call_plan(hcp_id: str = "H00001") -> CallPlan:
    return CallPlan(
        CallPlanId(f"CP-{hcp_id}"), TerritoryId("T-001"), HcpId(hcp_id), date(2026, 10, 1), date(2026, 12, 31), 4
    )


def territory() -> Territory:
    return Territory(TerritoryId("T-001"), "Worcester North", "Northeast", "MA")


def alignment(hcp_id: str = "H00001") -> Alignment:
    return Alignment(TerritoryId("T-001"), HcpId(hcp_id))


def report(hcp_id: str = "H00001", notes: str = "Discussed efficacy data.") -> CallReport:
    return CallReport(CallReportId(uuid7()), HcpId(hcp_id), T0, CallType.IN_PERSON, topics=("efficacy",), notes=notes)


def small_territory(store, n_hcps: int = 3) -> None:  # type: ignore[no-untyped-def]
    """Write a tiny complete territory into ``store``."""
    hcps = [hcp(i, last=name) for i, name in enumerate(["Okafor", "Lindqvist", "Moreau"][:n_hcps], start=1)]
    store.load_territory(
        territories=[territory()],
        accounts=[account()],
        products=[product()],
        content=[content()],
        hcps=hcps,
        alignments=[alignment(h.id) for h in hcps],
        consents=[consent(h.id, i=i) for i, h in enumerate(hcps)],
        call_plans=[call_plan(h.id) for h in hcps],
        events=[event(h.id, i=i) for i, h in enumerate(hcps)],
    )
