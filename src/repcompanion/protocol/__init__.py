"""The sync wire format shared by the hub and the client (pydantic models, protocol version)."""

from repcompanion.protocol.models import *  # noqa: F403
from repcompanion.protocol.models import __all__ as _models_all

__all__ = list(_models_all)
