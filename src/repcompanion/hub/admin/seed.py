"""Seed a hub from the simulator: one simulated region split into territories, one rep user per territory."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from repcompanion.domain.ids import TerritoryId
from repcompanion.domain.models import Alignment, Territory
from repcompanion.domain.rows import (
    SYNCED_TABLES,
    account_to_row,
    alignment_to_row,
    call_plan_to_row,
    consent_to_row,
    content_to_row,
    event_to_row,
    hcp_to_row,
    product_to_row,
    territory_to_row,
)
from repcompanion.hub.auth import hash_password
from repcompanion.hub.db import HubDb, now_text, schema, upsert_rows
from repcompanion.hub.errors import HubDatabaseError, UserExistsError
from repcompanion.simulate import DemoTerritory, generate_territory

LOAD_ORDER = tuple(SYNCED_TABLES)  # parents first


@dataclass(frozen=True)
class SeededRep:
    user: str
    territory_id: str
    password: str
    hcps: int


def territory_id(k: int) -> TerritoryId:
    return TerritoryId(f"T-{k:03d}")


def seed_hub(
    db: HubDb,
    *,
    reps: int,
    hcps_per_rep: int,
    seed: int = 7,
    years: float = 1.0,
    password: str | None = None,
    demo: DemoTerritory | None = None,
) -> list[SeededRep]:
    """Generate ``reps × hcps_per_rep`` HCPs, split them west to east into territories T-001…, and create
    users rep01… (``password`` for all, or a random one each). The hub must hold no HCPs yet. ``demo``: an
    already generated territory of ``reps × hcps_per_rep`` HCPs to use instead of generating one."""
    if reps < 1 or hcps_per_rep < 1:
        raise UserExistsError(
            "Seeding needs at least one rep and one HCP per rep.", hint="e.g. --reps 2 --hcps-per-rep 50"
        )
    with db.read() as conn:
        if conn.execute(select(func.count()).select_from(schema.synced["hcps"])).scalar_one():
            raise HubDatabaseError(
                "This hub already holds HCPs; seeding is for an empty hub.",
                hint="Seed a new database (--db sqlite:///other.db) or move HCPs with `repcompanion-hub realign`.",
            )
    if demo is None:
        demo = generate_territory(hcps=reps * hcps_per_rep, seed=seed, years=years, territory_id=territory_id(1))
    territories = [
        Territory(
            territory_id(k),
            demo.territory.name if reps == 1 else f"{demo.territory.name} {k}",
            demo.territory.region,
            demo.territory.state,
        )
        for k in range(1, reps + 1)
    ]
    ordered = sorted(demo.hcps, key=lambda h: (h.address.longitude or 0.0, h.id))
    home = {h.id: territories[min(i // hcps_per_rep, reps - 1)].id for i, h in enumerate(ordered)}
    rows = {
        "territories": [territory_to_row(t) for t in territories],
        "accounts": [account_to_row(a) for a in demo.accounts],
        "products": [product_to_row(p) for p in demo.products],
        "content": [content_to_row(c) for c in demo.content],
        "hcps": [hcp_to_row(h) for h in demo.hcps],
        "alignments": [alignment_to_row(Alignment(home[h.id], h.id)) for h in demo.hcps],
        "consents": [consent_to_row(c) for c in demo.consents],
        "call_plans": [call_plan_to_row(p) | {"territory_id": home[p.hcp_id]} for p in demo.call_plans],
        "events": [event_to_row(e) for e in demo.events],
        "call_reports": [],
        "follow_ups": [],
        "dcr_results": [],
    }
    shared_hash = hash_password(password) if password else None
    seeded = []
    with db.write() as conn:
        for table in LOAD_ORDER:
            upsert_rows(conn, table, rows[table], fresh=True)
        for k, t in enumerate(territories, start=1):
            user = f"rep{k:02d}"
            if conn.execute(select(schema.users.c.name).where(schema.users.c.name == user)).first() is not None:
                raise UserExistsError(f"There is already a user called {user}; nothing was seeded.")
            secret = password or secrets.token_urlsafe(9)
            conn.execute(
                schema.users.insert().values(
                    name=user,
                    password_hash=shared_hash or hash_password(secret),
                    territory_id=t.id,
                    active=1,
                    created_at=now_text(),
                )
            )
            seeded.append(SeededRep(user, t.id, secret, sum(1 for v in home.values() if v == t.id)))
    return seeded
