"""Fictional products and their MLR-approved content library (some expired, some not yet valid)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from repcompanion.domain import Channel, Content, ContentId, Product, ProductId
from repcompanion.simulate.vocab import CONTENT_TITLES, PRODUCTS, TOPICS

INVITATION_PREFIX = "Invitation: "
_TA_CODE = {"Cardiometabolic": "CAR", "Cardio-renal": "REN"}
_EVENT_FORMATS = ("Webinar", "Dinner programme", "Grand rounds", "Virtual roundtable")
_BODY_LINE = {
    "efficacy": "New data show how {brand} performed against its primary endpoint.",
    "safety": "Here is a concise overview of the safety profile of {brand}.",
    "dosing": "This guide summarises how to start, titrate and adjust {brand}.",
    "access": "Coverage for {brand} has improved; see what it means for your patients.",
    "patient_support": "Your patients can get help starting and staying on {brand}.",
    "clinical_data": "The full results of the pivotal {brand} trial are now available.",
    "guidelines": "See where {generic} fits in the latest society guidelines.",
    "mechanism": "A short explainer on how {generic} works.",
}


def build_products() -> list[Product]:
    return [
        Product(
            id=ProductId(pid), name=brand, generic_name=generic, therapeutic_area=ta, sample_limit_per_visit=samples
        )
        for pid, brand, generic, ta, samples, _, _ in PRODUCTS
    ]


def _validity(rng: np.random.Generator, start: date, today: date) -> tuple[date, date]:
    status = rng.choice(3, p=[0.2, 0.72, 0.08])
    if status == 0:  # expired before today
        first = start - timedelta(days=int(rng.integers(0, 365)))
        last = min(first + timedelta(days=int(rng.integers(240, 600))), today - timedelta(days=1))
        first = min(first, last - timedelta(days=60))
    elif status == 1:  # valid today
        span = max((today - start).days, 30)
        first = start - timedelta(days=int(rng.integers(-span + 14, 200)))
        last = today + timedelta(days=int(rng.integers(30, 540)))
    else:  # approved, not yet valid
        first = today + timedelta(days=int(rng.integers(7, 90)))
        last = first + timedelta(days=int(rng.integers(365, 730)))
    return first, last


def build_content(rng: np.random.Generator, products: list[Product], start: date, today: date) -> list[Content]:
    """40–80 approved items: mostly email, some for in-person and remote meetings, ~1 in 8 an event
    invitation; subject and body use only the allowed placeholders."""
    n = int(rng.integers(40, 81))
    spec = {p[0]: p for p in PRODUCTS}
    items: list[Content] = []
    used_codes: set[str] = set()
    for i in range(n):
        product = products[i % len(products)] if i < len(products) * 3 else products[int(rng.integers(len(products)))]
        _, brand, generic, ta, _, emphasis, audience = spec[product.id]
        primary = (
            emphasis[int(rng.integers(len(emphasis)))] if rng.random() < 0.8 else TOPICS[int(rng.integers(len(TOPICS)))]
        )
        topics = [primary]
        if rng.random() < 0.45:
            second = TOPICS[int(rng.integers(len(TOPICS)))]
            if second != primary:
                topics.append(second)
        channel = (
            Channel.EMAIL
            if i % 6 == 5
            else (Channel.EMAIL, Channel.IN_PERSON, Channel.REMOTE_MEETING)[int(rng.choice(3, p=[0.68, 0.22, 0.10]))]
        )
        titles = CONTENT_TITLES[primary]
        title = f"{brand}: {titles[int(rng.integers(len(titles)))]}"
        invitation = i % 6 == 5
        if invitation:
            title = f"{INVITATION_PREFIX}{_EVENT_FORMATS[int(rng.integers(len(_EVENT_FORMATS)))]} — {title}"
        while True:
            code = f"US-{_TA_CODE[ta]}-{int(rng.integers(1, 10000)):04d} v{int(rng.integers(1, 4))}"
            if code.split(" ")[0] not in used_codes:
                used_codes.add(code.split(" ")[0])
                break
        if rng.random() < 0.3:
            audience_codes: tuple[str, ...] = ()
        else:
            audience_codes = tuple(sorted(audience))
        first, last = _validity(rng, start, today)
        body_line = _BODY_LINE[primary].format(brand=brand, generic=generic)
        body = (
            "Dear {first_name} {last_name}, {credentials},\n\n"
            f"{body_line}\n\n"
            "Please see the full Prescribing Information.\n"
            "To stop receiving these emails: {unsubscribe_url}"
        )
        items.append(
            Content(
                id=ContentId(f"C{i + 1:03d}"),
                title=title,
                product_id=product.id,
                topics=tuple(topics),
                channel=channel,
                mlr_code=code,
                valid_from=first,
                valid_to=last,
                audience_specialties=audience_codes,
                subject=title if not invitation else f"{{first_name}}, you are invited — {title}",
                body=body,
            )
        )
    return items


def is_invitation(content: Content) -> bool:
    """Content that invites to a company event (webinar, dinner programme...)."""
    return content.title.startswith(INVITATION_PREFIX)
