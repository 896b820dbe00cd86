"""What laptops pull and push: pull pages, push handlers, territory membership and realignment, compaction, imports."""

from repcompanion.hub.sync.catalog import ContentNotFoundError, content_catalog, import_master, withdraw_content
from repcompanion.hub.sync.compaction import compact
from repcompanion.hub.sync.imports import HubSink, export_territory, import_into_hub
from repcompanion.hub.sync.pull import pull_page, territory_counts
from repcompanion.hub.sync.push import push
from repcompanion.hub.sync.territories import (
    hcp_in_territory,
    join_territory,
    realign,
    reemit_hcp,
    territory_exists,
)

__all__ = [
    "ContentNotFoundError",
    "HubSink",
    "compact",
    "content_catalog",
    "export_territory",
    "hcp_in_territory",
    "import_into_hub",
    "import_master",
    "join_territory",
    "pull_page",
    "push",
    "realign",
    "reemit_hcp",
    "territory_counts",
    "territory_exists",
    "withdraw_content",
]
