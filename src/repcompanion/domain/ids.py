"""Typed identifiers and the UUIDv7 generator used for client-created records."""

from __future__ import annotations

import os
import threading
import time
import uuid
from typing import NewType

HcpId = NewType("HcpId", str)
AccountId = NewType("AccountId", str)
TerritoryId = NewType("TerritoryId", str)
ProductId = NewType("ProductId", str)
ContentId = NewType("ContentId", str)
ConsentId = NewType("ConsentId", str)
EventId = NewType("EventId", str)
CallPlanId = NewType("CallPlanId", str)
CallReportId = NewType("CallReportId", str)
SuggestionId = NewType("SuggestionId", str)
FeedbackId = NewType("FeedbackId", str)
IntakeId = NewType("IntakeId", str)
MutationId = NewType("MutationId", str)
DeviceId = NewType("DeviceId", str)

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7(now_ms: int | None = None) -> str:
    """Return a new RFC 9562 UUIDv7 string: time-ordered, unique across devices.

    Within one millisecond a 12-bit counter keeps ids from one process strictly increasing.
    """
    global _last_ms, _counter
    with _lock:
        ms = int(time.time() * 1000) if now_ms is None else now_ms
        if ms <= _last_ms:
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
            ms = _last_ms
        else:
            _last_ms = ms
            _counter = int.from_bytes(os.urandom(2), "big") & 0x3FF
        rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
        value = (ms & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76
        value |= (_counter & 0xFFF) << 64
        value |= 0b10 << 62
        value |= rand_b
    return str(uuid.UUID(int=value))


__all__ = [
    "AccountId",
    "CallPlanId",
    "CallReportId",
    "ConsentId",
    "ContentId",
    "DeviceId",
    "EventId",
    "FeedbackId",
    "HcpId",
    "IntakeId",
    "MutationId",
    "ProductId",
    "SuggestionId",
    "TerritoryId",
    "uuid7",
]
