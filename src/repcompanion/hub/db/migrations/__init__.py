"""Alembic migrations of the hub database (run programmatically by ``repcompanion-hub init`` and ``serve``)."""
