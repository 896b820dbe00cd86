"""After a sync: fetch the hub's signed propensity model into ``<workspace>/models/``; pick the installed model.

Trust anchor: the company's Ed25519 public keys ship with the app as ``repcompanion/resources/keys/*.pem`` (IT puts the
output of ``repcompanion-hub model publish-key`` there before packaging); ``$REPCOMPANION_MODEL_KEYS`` names
another folder of .pem files instead (tests, managed installs). Nothing downloaded can add a trusted key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repcompanion.domain import RepCompanionError
from repcompanion.intel.propensity import ModelBundle, load_model
from repcompanion.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from repcompanion.resources import optional_resource
from repcompanion.sync.model_update import (
    MODEL_FILE,
    MODEL_META,
    PREVIOUS_FILE,
    PREVIOUS_META,
    ModelUpdate,
    file_sha256,
    installed_meta,
    trusted_key_map,
    update_model,
    verify_signature,
)

if TYPE_CHECKING:
    from repcompanion.sync import SyncClient

KEYS_ENV = "REPCOMPANION_MODEL_KEYS"


def keys_dir() -> Path | None:
    override = os.environ.get(KEYS_ENV)
    if override:
        return Path(override).expanduser()
    try:
        return optional_resource("keys")
    except RepCompanionError:
        return None


def trusted_model_keys() -> list[bytes]:
    """The PEM public keys this app trusts to sign models (empty: no model is ever installed)."""
    folder = keys_dir()
    if folder is None or not folder.is_dir():
        return []
    return [p.read_bytes() for p in sorted(folder.glob("*.pem"))]


def models_folder(workspace_folder: Path) -> Path:
    return Path(workspace_folder) / "models"


#: outcomes of a model check the rep need not hear about after a sync
QUIET_MODEL_STATUSES = frozenset({"up_to_date", "none_published"})


def check_model(folder: Path, client: SyncClient) -> ModelUpdate:
    """Call after a successful ``client.sync()``: install a newer signed model into ``folder`` (the workspace's
    models folder) if the hub has one. Never raises for a bad or missing model (the current one stays)."""
    state = client.store.sync_state.get()
    tokens = client.credentials.load(state.server_url, state.user) if state.server_url else None
    if tokens is None:
        return ModelUpdate("not_checked", reason="this workspace has no saved login.")
    headers = {"Authorization": f"Bearer {tokens.access_token}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    return update_model(client.http, state.server_url, headers, folder, trusted_model_keys(), load=load_model)


def verified_models(folder: Path, trusted_keys: list[bytes] | None = None) -> list[tuple[Path, dict[str, Any]]]:
    """The installed model files in ``folder`` (``<workspace>/models``), newest first, with their records, that
    still match their recorded sha256 and carry a valid signature from a trusted key (not yet loaded)."""
    keys = trusted_key_map(trusted_model_keys() if trusted_keys is None else trusted_keys)
    if not keys:
        return []
    found = []
    for model_name, meta_name in ((MODEL_FILE, MODEL_META), (PREVIOUS_FILE, PREVIOUS_META)):
        path = folder / model_name
        meta = installed_meta(folder, meta_name)
        if not path.is_file() or not meta or file_sha256(path) != meta.get("sha256"):
            continue
        if verify_signature(keys, meta):
            continue
        found.append((path, meta))
    return found


def installed_model(folder: Path, trusted_keys: list[bytes] | None = None) -> ModelBundle | None:
    """The installed model in ``folder`` (``<workspace>/models``), else the kept previous one, else None.

    Each candidate must still match its recorded sha256, carry a valid signature from a trusted key, and load
    with trusted types; a file changed on disk after installation is ignored.
    """
    for path, meta in verified_models(folder, trusted_keys):
        try:
            bundle = load_model(path)
        except RepCompanionError:
            continue
        if bundle.version == meta.get("version") and bundle.kind == "propensity":
            return bundle
    return None


__all__ = [
    "QUIET_MODEL_STATUSES",
    "ModelUpdate",
    "check_model",
    "installed_model",
    "keys_dir",
    "models_folder",
    "trusted_model_keys",
    "verified_models",
]
