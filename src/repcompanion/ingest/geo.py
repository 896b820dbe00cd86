"""Offline geocoding of US addresses to their ZIP code centroid (the `zipcodes` package's table)."""

from __future__ import annotations

from functools import lru_cache

from repcompanion.domain import GeoPrecision

NO_ZIP = "no ZIP code in the address"
UNKNOWN_ZIP = "ZIP code not in the offline ZIP table"
NON_US = "address outside the US"

#: USPS codes of the states, DC and the territories the ZIP table covers.
_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
    "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP AA AE AP"
)
US_STATES = frozenset(_STATE_CODES.split())


@lru_cache(maxsize=1)
def zip_centroids() -> dict[str, tuple[float, float]]:
    """5-digit ZIP → (latitude, longitude), built once per process from the `zipcodes` table."""
    import zipcodes

    table: dict[str, tuple[float, float]] = {}
    for entry in zipcodes.list_all():
        try:
            table[entry["zip_code"]] = (float(entry["lat"]), float(entry["long"]))
        except (KeyError, TypeError, ValueError):
            continue
    return table


def locate_zip(zip_code: str) -> tuple[float | None, float | None, GeoPrecision, str]:
    """(latitude, longitude, precision, reason-if-none) for a 5-digit ZIP."""
    if not zip_code:
        return None, None, GeoPrecision.NONE, NO_ZIP
    point = zip_centroids().get(zip_code)
    if point is None:
        return None, None, GeoPrecision.NONE, UNKNOWN_ZIP
    return point[0], point[1], GeoPrecision.ZIP_CENTROID, ""


__all__ = ["NON_US", "NO_ZIP", "UNKNOWN_ZIP", "US_STATES", "locate_zip", "zip_centroids"]
