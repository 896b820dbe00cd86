"""The suggestion model: the signed model the hub publishes (installed after a sync), and models trained on a CSV."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from repcompanion.intel.propensity import ModelBundle
    from repcompanion.sync import SyncClient
    from repcompanion.sync.model_update import ModelUpdate
    from repcompanion.workspace.core import Workspace


class ModelManager:
    """``ws.models``: which propensity model ranks this workspace, and fetching a newer one from the hub."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    @property
    def folder(self) -> Path:
        """Where hub-published models are installed (``<workspace>/models``)."""
        from repcompanion.workspace.model_update import models_folder

        return models_folder(self._ws.folder)

    def installed(self) -> ModelBundle | None:
        """The verified hub-published model in use (None: the shipped default ranks)."""
        from repcompanion.workspace.model_update import installed_model

        return installed_model(self.folder)

    def check_for_update(self, client: SyncClient) -> ModelUpdate:
        """After a sync through ``client``: install a newer signed model if the hub has one (never raises for a
        bad or missing model; the current one stays). The caller re-ranks when it was installed."""
        from repcompanion.workspace.model_update import check_model

        return check_model(self.folder, client)

    @staticmethod
    def train_csv(
        data: Path, target: str, out: Path, *, id_col: str | None = None, drop: Sequence[str] = ()
    ) -> dict[str, object]:
        """Train the additive model on any CSV predicting ``target``, save it to ``out``; held-out metrics
        (auc, average_precision, brier, ece) with a summary of the columns used and dropped, as JSON values."""
        from repcompanion.intel.propensity import train_csv

        return train_csv(data, target, out, id_col=id_col, drop=drop)

    @staticmethod
    def score_csv(model: Path, data: Path, out: Path, *, id_col: str | None = None) -> int:
        """Write id, score and top three reasons per row of ``data`` to ``out``; the number of rows."""
        from repcompanion.intel.propensity import score_csv

        return score_csv(model, data, out, id_col=id_col)
