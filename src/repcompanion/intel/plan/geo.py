"""Travel model: great-circle distance × road factor ÷ average speed."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from repcompanion.intel.plan.records import Candidate, PlanSettings

__all__ = ["EARTH_RADIUS_KM", "haversine_km", "road_km_matrix", "travel_minutes"]

EARTH_RADIUS_KM = 6371.0088

Point = tuple[float, float]


def _latlon(p: Candidate | Point) -> Point:
    if isinstance(p, Candidate):
        return (p.latitude, p.longitude)
    return (float(p[0]), float(p[1]))


def haversine_km(a: Candidate | Point, b: Candidate | Point) -> float:
    """Great-circle distance in km between two (lat, lon) points or candidates."""
    (lat1, lon1), (lat2, lon2) = _latlon(a), _latlon(b)
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def travel_minutes(a: Candidate | Point, b: Candidate | Point, settings: PlanSettings) -> float:
    """Driving minutes between two points: haversine km × road_factor ÷ speed_kmh."""
    return haversine_km(a, b) * settings.road_factor / settings.speed_kmh * 60.0


def road_km_matrix(points: Sequence[Point], road_factor: float) -> np.ndarray:
    """All-pairs road km (haversine × road factor) as an n×n float array."""
    arr = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
    lat, lon = arr[:, 0][:, None], arr[:, 1][:, None]
    h = np.sin((lat.T - lat) / 2) ** 2 + np.cos(lat) * np.cos(lat.T) * np.sin((lon.T - lon) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))) * road_factor
