"""Real ZIP-code centroids of one US state, weighted towards populous towns near the territory centre."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import zipcodes

from repcompanion.domain import ValidationError


class UnknownStateError(ValidationError):
    hint = "Use a two-letter US state code such as MA, NY or TX."


@dataclass(frozen=True, slots=True)
class ZipPlace:
    zip: str
    city: str
    state: str
    latitude: float
    longitude: float
    area_code: str


@dataclass(frozen=True, slots=True)
class ZipPool:
    """Standard, active ZIP codes of a state with a sampling weight each."""

    places: tuple[ZipPlace, ...]
    weights: np.ndarray

    def sample(self, rng: np.random.Generator, n: int) -> list[ZipPlace]:
        idx = rng.choice(len(self.places), size=n, p=self.weights)
        return [self.places[i] for i in idx]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(dlat, dlon)


def zip_pool(state: str, radius_km: float) -> ZipPool:
    """ZIPs of ``state``: a town's weight grows with its number of ZIP codes (a proxy for population)
    and falls with distance from the state's largest town, so practices cluster like a real territory."""
    code = state.strip().upper()
    try:
        rows = zipcodes.filter_by(state=code)
    except (TypeError, ValueError) as exc:
        raise UnknownStateError(f"unknown US state {state!r}") from exc
    if not rows:
        raise UnknownStateError(f"no ZIP codes found for state {state!r}")
    zips_per_city = Counter(r["city"] for r in rows)
    places = [
        ZipPlace(
            zip=r["zip_code"],
            city=r["city"],
            state=code,
            latitude=float(r["lat"]),
            longitude=float(r["long"]),
            area_code=(r.get("area_codes") or ["555"])[0],
        )
        for r in rows
        if r["zip_code_type"] == "STANDARD" and r["active"] and r["lat"] and r["long"]
    ]
    if not places:
        raise UnknownStateError(f"state {state!r} has no standard ZIP codes with coordinates")
    places.sort(key=lambda p: p.zip)
    anchor_city = max(zips_per_city, key=lambda c: (zips_per_city[c], c))
    anchor = next((p for p in places if p.city == anchor_city), places[0])
    standard_per_city = Counter(p.city for p in places)
    weights = []
    for p in places:
        # the town's weight is shared among its standard ZIPs
        town_size = zips_per_city[p.city]
        standard_in_town = standard_per_city[p.city]
        distance = _km(anchor.latitude, anchor.longitude, p.latitude, p.longitude)
        weights.append(town_size**1.5 / standard_in_town * math.exp(-distance / radius_km))
    w = np.asarray(weights, dtype=float)
    return ZipPool(places=tuple(places), weights=w / w.sum())
