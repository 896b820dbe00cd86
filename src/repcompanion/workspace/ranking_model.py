"""The model the day's ranking uses, compiled once per model file and kept in the (encrypted) workspace.

The first ranking with a model file loads it with skops (trusted types only), compiles it to an
:class:`~repcompanion.intel.propensity.AdditiveScorer` and stores that under the file's sha256; every later
ranking, on any day, reads the compiled form and never loads scikit-learn, SciPy or skops (~110 MB).
A hub-published model is only used while its file still matches its signed record.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from repcompanion.domain import ModelError, RepCompanionError
from repcompanion.intel.propensity import (
    ModelBundle,
    compile_bundle,
    compiled_bytes,
    default_model_path,
    load_model,
    read_compiled,
)
from repcompanion.store import Store
from repcompanion.sync.model_update import file_sha256

log = logging.getLogger(__name__)

#: Compiled models kept: the installed one, the previous one (fallback) and the shipped default.
KEEP = 3


def ranking_model(store: Store, folder: Path | None) -> ModelBundle:
    """The installed hub model if one verifies, else the shipped default, as a compiled scorer."""
    if folder is not None:
        from repcompanion.workspace.model_update import verified_models

        for path, meta in verified_models(folder / "models"):
            try:
                bundle = _compiled(store, path, meta["sha256"])
            except RepCompanionError as exc:
                log.warning("the installed model %s is not usable (%s); trying the next one", path.name, exc)
                continue
            if bundle.version == meta.get("version") and bundle.kind == "propensity":
                return bundle
    default = default_model_path()
    try:
        sha = file_sha256(default)
    except OSError as exc:
        raise ModelError(
            f"the suggestion model {default} cannot be read ({exc})",
            hint="Reinstall RepCompanion, or set REPCOMPANION_MODELS to the folder holding propensity.skops.",
        ) from exc
    return _compiled(store, default, sha)


def _compiled(store: Store, path: Path, sha: str) -> ModelBundle:
    kept = store.compiled_models.get(sha)
    if kept is not None:
        try:
            return read_compiled(kept)
        except ModelError as exc:
            log.warning("the compiled model for %s is damaged (%s); compiling it again", path.name, exc)
    bundle = compile_bundle(load_model(path))
    try:
        store.compiled_models.keep(sha, compiled_bytes(bundle), newest=KEEP)
    except sqlite3.Error as exc:  # e.g. a read-only workspace: rank anyway, compile again next time
        log.warning("the compiled model could not be kept in the workspace (%s)", exc)
    return bundle
