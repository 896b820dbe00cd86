"""Consent the HCP gives the rep in person: how it was given, the name they typed, checked before it is kept."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from repcompanion.domain import Channel, Consent, ConsentId, ConsentState, Hcp, ValidationError, uuid7

#: The ways a rep records consent given in person (the first is the default); the record's source says which.
CONSENT_WAYS = (
    "in person, signed on the laptop",
    "in person, said so and confirmed by typing their name",
    "on a signed paper form, kept by the rep",
)
#: What a rep-captured consent's source starts with (the hub and the console tell them from imported ones).
REP_SOURCE_PREFIX = "rep: "


class ConsentCaptureError(ValidationError):
    """A consent the rep tried to record is incomplete; nothing was recorded."""


def _folded(text: str) -> str:
    """``text`` lower-case without accents or punctuation, to compare names as people type them."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join("".join(c if c.isalnum() else " " for c in plain.lower()).split())


def new_consent(
    hcp: Hcp,
    channel: Channel,
    state: ConsentState,
    *,
    given_on: date,
    how: str,
    typed_name: str,
    now: datetime,
    zone: ZoneInfo,
) -> Consent:
    """The consent record for what ``hcp`` gave on ``given_on`` (today: now; an earlier day: noon of it on the
    rep's clock). ConsentCaptureError says what is missing: how it was given, the HCP's typed name (which must
    contain their last name), a day in the future."""
    how, typed = how.strip(), " ".join(typed_name.split())
    today = now.astimezone(zone).date()
    if given_on > today:
        raise ConsentCaptureError(
            f"Consent cannot be given on a day to come ({given_on.isoformat()}).",
            hint="Record it on the day the HCP gave it.",
        )
    if not how:
        raise ConsentCaptureError(
            "Say how the consent was given.", hint="For example: in person, signed on the laptop."
        )
    if not typed:
        raise ConsentCaptureError(
            f"Ask {hcp.display_name} to type their name: it is the proof of their consent.",
            hint="Nothing was recorded.",
        )
    if _folded(hcp.last_name) not in _folded(typed):
        raise ConsentCaptureError(
            f"The typed name {typed!r} does not contain {hcp.display_name}'s last name ({hcp.last_name}).",
            hint="The HCP types their own name; nothing was recorded.",
        )
    captured = now if given_on == today else datetime.combine(given_on, time(12), tzinfo=zone)
    return Consent(
        id=ConsentId(uuid7()),
        hcp_id=hcp.id,
        channel=Channel(channel),
        state=ConsentState(state),
        captured_at=captured.astimezone(now.tzinfo).replace(microsecond=0),
        source=f"{REP_SOURCE_PREFIX}{how}",
        proof=typed,
    )


__all__ = ["CONSENT_WAYS", "REP_SOURCE_PREFIX", "ConsentCaptureError", "new_consent"]
