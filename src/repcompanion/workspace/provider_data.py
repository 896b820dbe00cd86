"""Real provider files into and out of the store: NPPES, FHIR, and a demo built on real providers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

from repcompanion.domain import (
    Account,
    Alignment,
    Cancelled,
    Hcp,
    HcpId,
    IngestError,
    Progress,
    TerritoryId,
    never_cancelled,
    no_progress,
)
from repcompanion.ingest import (
    ImportReport,
    Written,
    export_fhir,
    import_fhir,
    import_nppes,
    load_nucc,
    merge_account,
    merge_hcp,
    written,
)
from repcompanion.store import Store


class StoreSink:
    """A RecordSink writing into the workspace store; the caller holds one transaction around the import."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def upsert_hcp(self, hcp: Hcp) -> Written:
        old = self.store.hcps.find(hcp.id)
        new = hcp if old is None else merge_hcp(old, hcp)
        outcome = written(old, new)
        if outcome is not Written.UNCHANGED:
            self.store.hcps.upsert_many([new])
        return outcome

    def upsert_account(self, account: Account) -> Written:
        old = self.store.accounts.find(account.id)
        new = account if old is None else merge_account(old, account)
        outcome = written(old, new)
        if outcome is not Written.UNCHANGED:
            self.store.accounts.upsert_many([new])
        return outcome

    def align_hcp(self, alignment: Alignment) -> None:
        self.store.alignments.upsert_many([alignment])


def import_file(
    store: Store,
    fmt: str,
    path: Path,
    *,
    territory_id: str | None = None,
    nucc_path: Path | None = None,
    states: Iterable[str] = (),
    zip_prefixes: Iterable[str] = (),
    taxonomies: Iterable[str] = (),
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> ImportReport:
    """Import an NPPES CSV (filtered by state, ZIP prefix and taxonomy) or a FHIR R4 file in one transaction:
    all of it, or nothing."""
    nucc = load_nucc(nucc_path) if nucc_path else None
    sink = StoreSink(store)
    with store.atomic():
        if fmt == "nppes":
            return import_nppes(
                path,
                sink,
                territory_id=territory_id,
                states=states,
                zip_prefixes=zip_prefixes,
                taxonomies=taxonomies,
                nucc=nucc,
                progress=progress,
                cancelled=cancelled,
            )
        if fmt == "fhir":
            return import_fhir(path, sink, territory_id=territory_id, nucc=nucc)
        raise IngestError(f"Unknown import format {fmt!r}: use nppes or fhir.")


def export_territory_fhir(store: Store, out: Path, *, nucc_path: Path | None = None) -> int:
    """Write the workspace's HCPs and institutions as a FHIR R4 Bundle; returns the number of entries."""
    bundle = export_fhir(store.hcps.all(), store.accounts.all(), nucc=load_nucc(nucc_path) if nucc_path else None)
    out.write_text(json.dumps(bundle, indent=1), encoding="utf-8")
    return len(bundle.get("entry", []))


def demo_from_nppes(
    store: Store,
    nppes_path: Path,
    *,
    states: tuple[str, ...] = (),
    seed: int = 7,
    nucc_path: Path | None = None,
    today: date | None = None,
    progress: Progress = no_progress,
) -> ImportReport:
    """Real providers from an NPPES file, with simulated engagement history (labelled as simulated).

    The providers' names, NPIs, specialties, addresses and institutions are real; each is paired with
    a simulated HCP whose segment, decile, consent, call plan and history it takes over.
    """
    from repcompanion.ingest import InMemorySink
    from repcompanion.simulate import generate_territory

    sink = InMemorySink()
    report = import_nppes(
        nppes_path,
        sink,
        states=states,
        nucc=load_nucc(nucc_path) if nucc_path else None,
        progress=lambda f, m: progress(0.4 * f, m),
    )
    real = sorted((h for h in sink.hcps.values() if h.active and h.address.latitude is not None), key=lambda h: h.id)
    if not real:
        raise IngestError(f"No active providers with a known location in {nppes_path} (filters: {states or 'none'}).")
    progress(0.45, f"Simulating two years of engagement for {len(real)} real providers")
    demo = generate_territory(
        hcps=len(real), seed=seed, state=real[0].address.state or "MA", today=today or date.today()
    )
    pairs = dict(zip((h.id for h in demo.hcps), real, strict=True))
    sim_by_id = {h.id: h for h in demo.hcps}
    hcps = [
        replace(
            r,
            segment=sim_by_id[s].segment,
            decile=sim_by_id[s].decile,
            target=sim_by_id[s].target,
            planned_visits=sim_by_id[s].planned_visits,
            preferred_channel=sim_by_id[s].preferred_channel,
            do_not_contact=sim_by_id[s].do_not_contact,
            email=r.email or sim_by_id[s].email,
        )
        for s, r in pairs.items()
    ]

    def real_id(hcp_id: str) -> HcpId:
        return pairs[HcpId(hcp_id)].id

    progress(0.7, "Writing the territory")
    store.load_territory(
        territories=[replace(demo.territory, name=f"{demo.territory.name} (real NPPES providers)")],
        accounts=list(sink.accounts.values()),
        products=demo.products,
        content=demo.content,
        hcps=hcps,
        alignments=[Alignment(TerritoryId(demo.territory.id), h.id) for h in hcps],
        consents=[replace(c, hcp_id=real_id(c.hcp_id)) for c in demo.consents],
        call_plans=[replace(p, hcp_id=real_id(p.hcp_id)) for p in demo.call_plans],
        events=[replace(e, hcp_id=real_id(e.hcp_id), source="simulated") for e in demo.events],
    )
    with store.atomic():
        store.sync_state.update(territory_id=demo.territory.id)
        store.sync_state.set_value(
            "demo", f"real providers from {Path(nppes_path).name}; engagement history simulated (seed {seed})"
        )
    progress(1.0, "Demo workspace ready")
    return report
