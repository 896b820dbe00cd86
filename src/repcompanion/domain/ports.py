"""Protocols (ports) that cross layers: progress reporting and cancellation."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]


def no_progress(fraction: float, message: str) -> None:
    """A progress callback that ignores its reports."""


def never_cancelled() -> bool:
    """A cancellation check that never cancels."""
    return False


__all__ = [
    "Cancelled",
    "Progress",
    "never_cancelled",
    "no_progress",
]
