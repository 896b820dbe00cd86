"""Extra hub API routes: each module here has ``register(app, ctx)`` and is found when the app is made.

``ctx`` is a :class:`RouteContext` holding the database, the ``caller`` dependency (the authenticated
rep) and the shared error responses, so a module adds endpoints without touching app.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RouteContext:
    db: Any
    caller: Callable[..., Any]
    errors: dict[int | str, dict[str, Any]]
