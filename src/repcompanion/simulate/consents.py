"""Per-channel consent records: not everyone opts in, some opt out later, a few expire."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np

from repcompanion.domain import Channel, Consent, ConsentId, ConsentState, Hcp
from repcompanion.simulate.vocab import CONSENT_SOURCES_IN, CONSENT_SOURCES_OUT

CONSENT_CHANNELS: tuple[Channel, ...] = (Channel.IN_PERSON, Channel.EMAIL, Channel.REMOTE_MEETING, Channel.SMS)
_OPT_IN_RATE = (0.9, 0.62, 0.5, 0.3)
NEVER = 10**7  # a day index far beyond any history


@dataclass(frozen=True, slots=True)
class ConsentWindows:
    """Whole days (indices from the history start) on which each channel is allowed: [first, end)."""

    first: np.ndarray  # (n, 4) int
    end: np.ndarray  # (n, 4) int

    def allowed(self, day: int, channel: int) -> np.ndarray:
        return (self.first[:, channel] <= day) & (day < self.end[:, channel])


def _at(origin: datetime, days: float) -> datetime:
    return origin + timedelta(seconds=round(days * 86400))


def build_consents(
    rng: np.random.Generator, hcps: Sequence[Hcp], start: date, today: date
) -> tuple[list[Consent], ConsentWindows]:
    """Consent history up to ``today`` and the same history as whole-day windows for vectorised use."""
    n = len(hcps)
    origin = datetime.combine(start, time.min)
    span = (today - start).days
    first = np.full((n, 4), NEVER, dtype=np.int64)
    end = np.full((n, 4), NEVER, dtype=np.int64)
    records: list[tuple[datetime, Consent]] = []

    def add(i: int, ch: Channel, state: ConsentState, at: datetime, source: str, expires: datetime | None) -> None:
        records.append((at, Consent(ConsentId(""), hcps[i].id, ch, state, at, source, expires)))

    for i, hcp in enumerate(hcps):
        for c, ch in enumerate(CONSENT_CHANNELS):
            rate = _OPT_IN_RATE[c] + (0.15 if hcp.preferred_channel is ch else 0.0)
            sources_in = CONSENT_SOURCES_IN[ch.value]
            sources_out = CONSENT_SOURCES_OUT[ch.value]
            if rng.random() < min(rate, 0.97):
                # whole days from the history start, with a time of day between 08:00 and 20:00
                t_in = (
                    -float(rng.integers(1, 3 * 365)) if rng.random() < 0.75 else float(rng.integers(0, int(span * 0.9)))
                ) + float(rng.uniform(8, 20)) / 24
                expires_t = (
                    t_in + float(rng.integers(365, 731)) + float(rng.uniform(8, 20)) / 24
                    if rng.random() < 0.12
                    else None
                )
                add(
                    i,
                    ch,
                    ConsentState.OPT_IN,
                    _at(origin, t_in),
                    sources_in[int(rng.integers(len(sources_in)))],
                    _at(origin, expires_t) if expires_t is not None else None,
                )
                first[i, c] = math.ceil(t_in)
                stop = expires_t if expires_t is not None else float(NEVER)
                if rng.random() < 0.07 and span - t_in > 31:
                    t_out = t_in + float(rng.integers(30, int(span - t_in))) + float(rng.uniform(0, 0.5))
                    add(
                        i,
                        ch,
                        ConsentState.OPT_OUT,
                        _at(origin, t_out),
                        sources_out[int(rng.integers(len(sources_out)))],
                        None,
                    )
                    stop = min(stop, t_out)
                end[i, c] = math.floor(stop) if stop < NEVER else NEVER
            elif rng.random() < 0.4:
                t_out = -float(rng.integers(1, 3 * 365)) + float(rng.uniform(0, span)) + float(rng.uniform(8, 20)) / 24
                add(
                    i,
                    ch,
                    ConsentState.OPT_OUT,
                    _at(origin, t_out),
                    sources_out[int(rng.integers(len(sources_out)))],
                    None,
                )
    records.sort(key=lambda r: (r[0], r[1].hcp_id, r[1].channel.value))
    consents = [
        Consent(ConsentId(f"CN{k + 1:06d}"), c.hcp_id, c.channel, c.state, c.captured_at, c.source, c.expires_at)
        for k, (_, c) in enumerate(records)
    ]
    return consents, ConsentWindows(first, end)
