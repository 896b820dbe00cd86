"""Allow `python -m repcompanion`."""

from repcompanion.cli import main

raise SystemExit(main())
