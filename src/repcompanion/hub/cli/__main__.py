"""``python -m repcompanion.hub.cli``: the same as the ``repcompanion-hub`` console script."""

from repcompanion.hub.cli import main

raise SystemExit(main())
