"""The domain model: records, enums, ids and errors. Standard library only, no I/O."""

from repcompanion.domain import enums, errors, ids, models, ports
from repcompanion.domain.enums import *  # noqa: F403
from repcompanion.domain.errors import *  # noqa: F403
from repcompanion.domain.ids import *  # noqa: F403
from repcompanion.domain.models import *  # noqa: F403
from repcompanion.domain.ports import *  # noqa: F403

__all__ = [*enums.__all__, *errors.__all__, *ids.__all__, *models.__all__, *ports.__all__]
