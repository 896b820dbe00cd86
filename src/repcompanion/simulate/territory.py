"""``generate_territory``: the seeded demo territory with its history and its ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np

from repcompanion.domain import (
    Account,
    Alignment,
    CallPlan,
    CallPlanId,
    Consent,
    Content,
    ContentId,
    EngagementEvent,
    EventId,
    EventType,
    Hcp,
    Product,
    ProductId,
    Territory,
    TerritoryId,
    ValidationError,
)
from repcompanion.simulate.catalog import build_content, build_products
from repcompanion.simulate.consents import build_consents
from repcompanion.simulate.geo import zip_pool
from repcompanion.simulate.history import CHANNEL_CODES, EVENT_TYPES, EventColumns, generate_history
from repcompanion.simulate.people import build_accounts, build_hcps
from repcompanion.simulate.truth import GroundTruth, draw_hidden_parameters, hcp_truths

_REGIONS = {
    "Northeast": "CT ME MA NH RI VT NJ NY PA",
    "Midwest": "IL IN MI OH WI IA KS MN MO NE ND SD",
    "South": "DE DC FL GA MD NC SC VA WV AL KY MS TN AR LA OK TX",
    "West": "AZ CO ID MT NV NM UT WY AK CA HI OR WA",
}
_SOURCE = {
    EventType.EMAIL_SENT: "email_platform",
    EventType.EMAIL_OPENED: "email_platform",
    EventType.EMAIL_CLICKED: "email_platform",
    EventType.EMAIL_BOUNCED: "email_platform",
    EventType.WEB_VISIT: "web_analytics",
    EventType.EVENT_INVITED: "events",
    EventType.EVENT_ATTENDED: "events",
    EventType.MSL_VISIT: "medical_affairs",
}


def source_of(event_type: EventType) -> str:
    """The system an event of ``event_type`` is recorded by (the CRM unless another system owns it)."""
    return _SOURCE.get(event_type, "crm")


@dataclass
class DemoTerritory:
    """Everything a demo workspace holds, plus the hidden truth that generated the history."""

    territory: Territory
    hcps: list[Hcp]
    accounts: list[Account]
    alignments: list[Alignment]
    products: list[Product]
    content: list[Content]
    consents: list[Consent]
    call_plans: list[CallPlan]
    events: list[EngagementEvent]
    today: date
    seed: int
    truth: GroundTruth
    #: the true response probability at the time of each historical contact event (by event id)
    contact_probabilities: dict[EventId, float] = field(default_factory=dict, repr=False)

    def summary(self) -> dict[str, int | str]:
        """Counts per table, the state and the history's date range (for ``repcompanion demo``)."""
        first = min((e.occurred_at for e in self.events), default=None)
        last = max((e.occurred_at for e in self.events), default=None)
        return {
            "territory": self.territory.id,
            "name": self.territory.name,
            "state": self.territory.state,
            "seed": self.seed,
            "today": self.today.isoformat(),
            "hcps": len(self.hcps),
            "targets": sum(h.target for h in self.hcps),
            "accounts": len(self.accounts),
            "alignments": len(self.alignments),
            "products": len(self.products),
            "content": len(self.content),
            "consents": len(self.consents),
            "call_plans": len(self.call_plans),
            "events": len(self.events),
            "history_from": first.date().isoformat() if first else "",
            "history_to": last.date().isoformat() if last else "",
        }


def quarter_of(day: date) -> tuple[date, date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    nxt = date(day.year + (first_month == 10), 1 if first_month == 10 else first_month + 3, 1)
    return start, nxt - timedelta(days=1)


def _events(
    cols: EventColumns, hcps: list[Hcp], products: list[Product], content: list[Content], start: date
) -> tuple[list[EngagementEvent], dict[EventId, float]]:
    n_days = int(cols.day.max()) + 1 if len(cols) else 0
    day_dt = [datetime.combine(start + timedelta(days=d), time.min) for d in range(n_days)]
    minute = [timedelta(minutes=m) for m in range(1440)]
    hcp_ids = [h.id for h in hcps]
    product_ids: list[ProductId | None] = [p.id for p in products]
    product_ids.append(None)  # index -1
    content_ids: list[ContentId | None] = [c.id for c in content]
    content_ids.append(None)
    types = EVENT_TYPES
    sources = [source_of(t) for t in types]
    table = cols.topic_table
    events: list[EngagementEvent] = []
    probs: dict[EventId, float] = {}
    append = events.append
    for k, (h, t, d, m, ch, p, c, tp, q, pr) in enumerate(
        zip(
            cols.hcp.tolist(),
            cols.type.tolist(),
            cols.day.tolist(),
            cols.minute.tolist(),
            cols.channel.tolist(),
            cols.product.tolist(),
            cols.content.tolist(),
            cols.topics.tolist(),
            cols.quantity.tolist(),
            cols.probability.tolist(),
            strict=True,
        )
    ):
        eid = EventId(f"E{k + 1:07d}")
        append(
            EngagementEvent(
                eid,
                hcp_ids[h],
                types[t],
                day_dt[d] + minute[m],
                CHANNEL_CODES[ch],
                product_ids[p],
                content_ids[c],
                table[tp],
                q,
                sources[t],
            )
        )
        if pr == pr:  # not NaN: a contact event
            probs[eid] = pr
    return events, probs


def generate_territory(
    hcps: int = 300,
    seed: int = 7,
    state: str = "MA",
    years: float = 2.0,
    today: date = date(2026, 11, 24),
    territory_id: str = "T-001",
) -> DemoTerritory:
    """A realistic territory of ``hcps`` HCPs in ``state`` with ``years`` of history before ``today``.

    Same arguments ⇒ identical output. See ``repcompanion.simulate`` for the response model.
    """
    if hcps < 1:
        raise ValidationError(
            f"a demo territory needs at least one HCP, got {hcps}",
            hint="Ask for a positive number of HCPs, e.g. --hcps 300.",
        )
    if not 0 < years <= 10:
        raise ValidationError(f"history length must be between 0 and 10 years, got {years}", hint="Use e.g. years=2.")
    rng = np.random.default_rng(seed)
    days = round(years * 365)
    start = today - timedelta(days=days)
    pool = zip_pool(state, radius_km=60.0 * max(1.0, (hcps / 300) ** 0.5))
    taken: set[str] = set()
    accounts = build_accounts(rng, pool, max(8, hcps // 5), taken)
    area_codes = {p.zip: p.area_code for p in pool.places}
    hcp_list = build_hcps(rng, accounts, hcps, taken, area_codes)
    products = build_products()
    content = build_content(rng, products, start, today)
    consents, windows = build_consents(rng, hcp_list, start, today)
    arrays = draw_hidden_parameters(rng, hcp_list)
    cols = generate_history(rng, hcp_list, products, content, windows, arrays, start, days)
    events, probs = _events(cols, hcp_list, products, content, start)
    tid = TerritoryId(territory_id)
    code = pool.places[0].state
    region = next((r for r, states in _REGIONS.items() if code in states.split()), "")
    town_weight: dict[str, float] = {}
    for place, w in zip(pool.places, pool.weights.tolist(), strict=True):
        town_weight[place.city] = town_weight.get(place.city, 0.0) + w
    anchor = max(sorted(town_weight), key=town_weight.__getitem__)
    q_start, q_end = quarter_of(today)
    plans = [
        CallPlan(CallPlanId(f"CP{i + 1:05d}"), tid, h.id, q_start, q_end, h.planned_visits)
        for i, h in enumerate(h for h in hcp_list if h.target)
    ]
    truth = GroundTruth(
        hcp_truths([h.id for h in hcp_list], arrays),
        content,
        consents,
        do_not_contact=[h.id for h in hcp_list if h.do_not_contact],
    )
    return DemoTerritory(
        territory=Territory(tid, f"Greater {anchor}", region=region, state=code),
        hcps=hcp_list,
        accounts=accounts,
        alignments=[Alignment(tid, h.id) for h in hcp_list],
        products=products,
        content=content,
        consents=consents,
        call_plans=plans,
        events=events,
        today=today,
        seed=seed,
        truth=truth,
        contact_probabilities=probs,
    )


__all__ = ["DemoTerritory", "generate_territory", "quarter_of"]
