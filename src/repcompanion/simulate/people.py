"""Synthetic accounts and HCPs: names, NUCC specialties, NPIs, segments, affiliations, addresses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from repcompanion.domain import (
    Account,
    AccountId,
    AccountKind,
    Address,
    Affiliation,
    Channel,
    GeoPrecision,
    Hcp,
    HcpId,
    Segment,
)
from repcompanion.simulate.geo import ZipPlace, ZipPool
from repcompanion.simulate.vocab import (
    CARDIOLOGY,
    CLINIC_PATTERNS,
    CREDENTIALS,
    ENDOCRINOLOGY,
    FIRST_NAMES,
    GROUP_PATTERNS,
    HOSPITAL_PATTERNS,
    LAST_NAMES,
    NEPHROLOGY,
    SAINTS,
    SPECIALTIES,
    STREETS,
)

SEGMENTS = (Segment.A, Segment.B, Segment.C, Segment.D)
PLANNED_VISITS = {Segment.A: 6, Segment.B: 4, Segment.C: 2, Segment.D: 1}
_DECILE_CENTRE = {Segment.A: 9.0, Segment.B: 7.0, Segment.C: 4.8, Segment.D: 2.6}
_CHANNELS = (Channel.IN_PERSON, Channel.EMAIL, Channel.REMOTE_MEETING, Channel.SMS)


def npi_check_digit(base9: str) -> int:
    """The Luhn check digit of an NPI: computed over the prefix 80840 followed by the 9 digits."""
    total = 0
    for i, ch in enumerate(reversed("80840" + base9)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def npi_is_valid(npi: str) -> bool:
    """True for a 10-digit NPI whose last digit is the Luhn check digit (CMS rule, prefix 80840)."""
    return len(npi) == 10 and npi.isdigit() and npi[0] in "12" and npi_check_digit(npi[:9]) == int(npi[9])


def unique_npis(rng: np.random.Generator, n: int, first_digit: str, taken: set[str]) -> list[str]:
    """``n`` distinct valid NPIs starting with ``first_digit`` (1: individuals, 2: organisations)."""
    out: list[str] = []
    while len(out) < n:
        for v in rng.integers(0, 10**8, size=n - len(out) + 8):
            base = f"{first_digit}{int(v):08d}"
            npi = base + str(npi_check_digit(base))
            if npi not in taken:
                taken.add(npi)
                out.append(npi)
                if len(out) == n:
                    break
    return out


def _street(rng: np.random.Generator) -> str:
    number = int(rng.choice([rng.integers(1, 120), rng.integers(100, 2500)]))
    return f"{number} {STREETS[int(rng.integers(len(STREETS)))]}"


def _address(place: ZipPlace, line1: str, line2: str = "") -> Address:
    return Address(
        line1=line1,
        line2=line2,
        city=place.city,
        state=place.state,
        zip=place.zip,
        latitude=place.latitude,
        longitude=place.longitude,
        geo_precision=GeoPrecision.ZIP_CENTROID,
    )


def build_accounts(rng: np.random.Generator, pool: ZipPool, n: int, taken_npis: set[str]) -> list[Account]:
    """Hospitals, clinics and group practices in the territory's towns, with unique names."""
    kinds = rng.choice(3, size=n, p=[0.15, 0.3, 0.55])
    kinds[0] = 0  # every territory has at least one hospital
    places = pool.sample(rng, n)
    npis = unique_npis(rng, n, "2", taken_npis)
    accounts: list[Account] = []
    names: set[str] = set()
    hospitals_by_city: dict[str, AccountId] = {}
    for i in range(n):
        place = places[i]
        kind = (AccountKind.HOSPITAL, AccountKind.CLINIC, AccountKind.GROUP_PRACTICE)[int(kinds[i])]
        patterns = {
            AccountKind.HOSPITAL: HOSPITAL_PATTERNS,
            AccountKind.CLINIC: CLINIC_PATTERNS,
            AccountKind.GROUP_PRACTICE: GROUP_PATTERNS,
        }[kind]
        a, b = (LAST_NAMES[int(j)] for j in rng.choice(len(LAST_NAMES), size=2, replace=False))
        name = patterns[int(rng.integers(len(patterns)))].format(
            city=place.city, a=a, b=b, saint=SAINTS[int(rng.integers(len(SAINTS)))]
        )
        street = _street(rng)
        if name in names:
            name = f"{name} at {street.split(' ', 1)[1]}"
        if name in names:
            name = f"{name} ({place.zip})"
        names.add(name)
        account_id = AccountId(f"A{i + 1:04d}")
        parent = hospitals_by_city.get(place.city) if kind is AccountKind.CLINIC else None
        if kind is AccountKind.HOSPITAL:
            hospitals_by_city.setdefault(place.city, account_id)
        accounts.append(
            Account(
                id=account_id,
                name=name,
                kind=kind,
                address=_address(place, street),
                npi=npis[i],
                parent_id=parent,
            )
        )
    return accounts


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())[:24] or "practice"


def _segment_probs(code: str) -> list[float]:
    if code in CARDIOLOGY or code in ENDOCRINOLOGY or code in NEPHROLOGY:
        return [0.2, 0.3, 0.3, 0.2]
    return [0.08, 0.18, 0.32, 0.42]


def build_hcps(
    rng: np.random.Generator, accounts: Sequence[Account], n: int, taken_npis: set[str], area_codes: dict[str, str]
) -> list[Hcp]:
    """``n`` HCPs, each with a primary affiliation (and sometimes a hospital privilege) and its address."""
    spec_w = np.array([s[2] for s in SPECIALTIES])
    spec_idx = rng.choice(len(SPECIALTIES), size=n, p=spec_w / spec_w.sum())
    kind_weight = {AccountKind.HOSPITAL: 4.0, AccountKind.CLINIC: 2.0, AccountKind.GROUP_PRACTICE: 1.5}
    acc_w = np.array([kind_weight[a.kind] for a in accounts])
    primary_idx = rng.choice(len(accounts), size=n, p=acc_w / acc_w.sum())
    hospitals = [i for i, a in enumerate(accounts) if a.kind is AccountKind.HOSPITAL]
    npis = unique_npis(rng, n, "1", taken_npis)
    first_idx = rng.integers(len(FIRST_NAMES), size=n)
    last_idx = rng.integers(len(LAST_NAMES), size=n)
    hcps: list[Hcp] = []
    emails: set[str] = set()
    for i in range(n):
        code, label, _, role = SPECIALTIES[int(spec_idx[i])]
        creds = CREDENTIALS[role]
        cred = creds[int(rng.choice(len(creds), p=[c[1] for c in creds]))][0]
        segment = SEGMENTS[int(rng.choice(4, p=_segment_probs(code)))]
        decile = int(np.clip(round(_DECILE_CENTRE[segment] + rng.normal(0, 1.2)), 1, 10))
        target = segment is not Segment.D or rng.random() < 0.3
        account = accounts[int(primary_idx[i])]
        role_name = {
            AccountKind.HOSPITAL: "attending",
            AccountKind.CLINIC: "staff",
            AccountKind.GROUP_PRACTICE: "partner" if rng.random() < 0.4 else "staff",
        }[account.kind]
        affiliations = [Affiliation(account.id, role_name, primary=True)]
        if hospitals and account.kind is not AccountKind.HOSPITAL and rng.random() < 0.3:
            near = [h for h in hospitals if accounts[h].address.city == account.address.city] or hospitals
            second = accounts[near[int(rng.integers(len(near)))]]
            affiliations.append(Affiliation(second.id, "privileges", primary=False))
        first = FIRST_NAMES[int(first_idx[i])]
        last = LAST_NAMES[int(last_idx[i])]
        local = _slug(first[0] + last)
        email = f"{local}@{_slug(account.name)}.example.org"
        k = 2
        while email in emails:
            email = f"{local}{k}@{_slug(account.name)}.example.org"
            k += 1
        emails.add(email)
        area = area_codes.get(account.address.zip, "555")
        phone = f"({area}) {int(rng.integers(200, 1000))}-{int(rng.integers(0, 10000)):04d}"
        suite = f"Suite {int(rng.integers(1, 6))}{int(rng.integers(0, 3))}{int(rng.integers(0, 10))}"
        preferred = _CHANNELS[int(rng.choice(4, p=[0.55, 0.25, 0.15, 0.05]))]
        hcps.append(
            Hcp(
                id=HcpId(f"H{i + 1:05d}"),
                npi=npis[i],
                first_name=first,
                last_name=last,
                credentials=cred,
                specialty_code=code,
                specialty_label=label,
                segment=segment,
                decile=decile,
                address=replace(account.address, line2=suite if rng.random() < 0.6 else ""),
                preferred_channel=preferred,
                do_not_contact=bool(rng.random() < 0.02),
                target=bool(target),
                planned_visits=PLANNED_VISITS[segment] if target else 0,
                affiliations=tuple(affiliations),
                phone=phone,
                email=email,
            )
        )
    return hcps
