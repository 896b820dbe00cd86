"""The hub's HTTP routes, one module per area (sync, engagement, models, unsubscribe), each with ``register``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from repcompanion.hub.auth import TokenSigner
from repcompanion.hub.db import HubDb
from repcompanion.hub.settings import HubSettings


@dataclass(frozen=True)
class RouteContext:
    """What routes share: the database, the settings, the token signer, the shared error responses, and two
    dependencies: ``caller``
    (the authenticated rep) and ``flusher`` (the same, but a revoked device may still push its outbox once)."""

    db: HubDb
    settings: HubSettings
    signer: TokenSigner
    caller: Callable[..., Any]
    flusher: Callable[..., Any]
    errors: dict[int | str, dict[str, Any]]
