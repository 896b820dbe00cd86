"""Download the hub's newest propensity model, verify it, and install it beside the previous one.

Checks, in order, each of which keeps the installed model when it fails: the metadata names a key this app
trusts; the Ed25519 signature over (version, sha256) is valid for that key; the downloaded bytes have that
sha256; the file loads with skops trusted types only (the caller's ``load``, normally
``repcompanion.intel.propensity.load_model`` — sync may not import intel) and holds that version. Only then is
it moved into place with ``os.replace``; the model it replaces is kept as ``propensity.previous.skops``.

The signed bytes are ``repcompanion.protocol.signing.signed_message`` (version and sha256), as on the hub.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from repcompanion.protocol.models import MODEL_HEADER
from repcompanion.protocol.signing import key_id, signed_message

MODEL_FILE = "propensity.skops"
MODEL_META = "propensity.json"
PREVIOUS_FILE = "propensity.previous.skops"
PREVIOUS_META = "propensity.previous.json"
MAX_MODEL_BYTES = 64 * 1024 * 1024
_VERSION = re.compile(r"^[A-Za-z0-9._-]{1,200}$")

PublicKeyLike = Ed25519PublicKey | str | bytes


@dataclass(frozen=True)
class ModelUpdate:
    """What happened: ``status`` is installed, up_to_date, none_published, not_checked, unreachable or rejected."""

    status: str
    version: str = ""
    previous_version: str = ""
    reason: str = ""
    path: Path | None = None

    @property
    def installed(self) -> bool:
        return self.status == "installed"

    def message(self) -> str:
        if self.status == "installed":
            return f"Installed suggestion model {self.version}" + (
                f" (kept {self.previous_version} as the previous model)." if self.previous_version else "."
            )
        if self.status == "up_to_date":
            return f"The suggestion model {self.version} is up to date."
        if self.status == "none_published":
            return "The hub has not published a suggestion model; the current one stays."
        if self.status == "not_checked":
            return f"The suggestion model was not checked: {self.reason}"
        kept = self.previous_version or "the current model"
        return f"The new suggestion model was not installed: {self.reason} Suggestions keep using {kept}."


def parse_public_key(value: PublicKeyLike) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (text or bytes), 32 raw bytes, or base64 of those 32 bytes."""
    if isinstance(value, Ed25519PublicKey):
        return value
    data = value.encode("ascii") if isinstance(value, str) else bytes(value)
    if b"BEGIN PUBLIC KEY" in data:
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"a {type(key).__name__} is not an Ed25519 public key")
        return key
    if len(data) != 32:
        data = base64.b64decode(data.strip(), validate=True)
    return Ed25519PublicKey.from_public_bytes(data)


def trusted_key_map(keys: Sequence[PublicKeyLike]) -> dict[str, Ed25519PublicKey]:
    parsed = [parse_public_key(k) for k in keys]
    return {key_id(k): k for k in parsed}


def verify_signature(keys: Mapping[str, Ed25519PublicKey], meta: Mapping[str, Any]) -> str:
    """Why the metadata's signature is not acceptable ("" when it is)."""
    kid = str(meta.get("key_id", ""))
    key = keys.get(kid)
    if key is None:
        return f"it is signed with key {kid or '(none)'}, which this app does not trust."
    try:
        signature = base64.b64decode(str(meta.get("signature", "")), validate=True)
        key.verify(signature, signed_message(str(meta["version"]), str(meta["sha256"])))
    except (InvalidSignature, binascii.Error, ValueError):
        return f"its signature does not match key {kid} (the file or its description was altered)."
    return ""


def installed_meta(folder: Path, name: str = MODEL_META) -> dict[str, Any]:
    try:
        data = json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def update_model(
    http: httpx.Client,
    server_url: str,
    token_headers: Mapping[str, str],
    models_folder: Path,
    trusted_public_keys: Sequence[PublicKeyLike],
    *,
    load: Callable[[Path], Any],
) -> ModelUpdate:
    """Fetch, verify and install the hub's latest model into ``models_folder``; never raises for a bad model."""
    models_folder = Path(models_folder)
    current = installed_meta(models_folder)
    kept = str(current.get("version", ""))
    base = server_url.rstrip("/")

    def rejected(reason: str, version: str = "") -> ModelUpdate:
        return ModelUpdate("rejected", version, kept, reason)

    try:
        keys = trusted_key_map(trusted_public_keys)
    except (ValueError, TypeError) as exc:
        return rejected(f"a trusted public key could not be read ({exc}).")
    if not keys:
        return rejected("this app has no trusted model-signing key (resources/keys/ is empty).")
    try:
        running = {MODEL_HEADER: kept or "default"}  # the hub's console shows which model each laptop runs
        reply = http.get(f"{base}/v1/model/latest", headers=dict(token_headers) | running)
    except httpx.HTTPError as exc:
        return ModelUpdate("unreachable", "", kept, f"the hub could not be reached ({exc}).")
    if reply.status_code == 404:
        return ModelUpdate("none_published", "", kept)
    if reply.status_code != 200:
        return ModelUpdate("unreachable", "", kept, f"the hub answered {reply.status_code} to the model request.")
    try:
        meta = reply.json()
        version, sha = str(meta["version"]), str(meta["sha256"]).lower()
    except (ValueError, KeyError, TypeError):
        return rejected("the hub's model description is not valid JSON with a version and sha256.")
    if not _VERSION.match(version) or not re.fullmatch(r"[0-9a-f]{64}", sha):
        return rejected(f"the hub's model description has an invalid version or sha256 ({version[:60]!r}).")
    if (
        current.get("version") == version
        and current.get("sha256") == sha
        and (models_folder / MODEL_FILE).is_file()
        and file_sha256(models_folder / MODEL_FILE) == sha
    ):
        return ModelUpdate("up_to_date", version, kept, path=models_folder / MODEL_FILE)
    why = verify_signature(keys, meta)
    if why:
        return rejected(why, version)
    try:
        download = http.get(f"{base}/v1/model/{version}/file", headers=dict(token_headers))
    except httpx.HTTPError as exc:
        return ModelUpdate("unreachable", version, kept, f"the model download failed ({exc}).")
    if download.status_code != 200:
        return ModelUpdate("unreachable", version, kept, f"the hub answered {download.status_code} to the download.")
    data = download.content
    if len(data) > MAX_MODEL_BYTES:
        return rejected(f"the file is {len(data)} bytes, more than the {MAX_MODEL_BYTES} allowed.", version)
    if hashlib.sha256(data).hexdigest() != sha:
        return rejected("the downloaded file's sha256 differs from the signed one (damaged or altered).", version)
    models_folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".propensity-", suffix=".skops", dir=models_folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            bundle = load(tmp)
        except Exception as exc:  # any load failure (untrusted types, damaged file) keeps the current model
            return rejected(f"it did not load with trusted types only ({_first_line(exc)}).", version)
        if str(getattr(bundle, "version", "")) != version or getattr(bundle, "kind", "propensity") != "propensity":
            return rejected(
                f"the file holds {getattr(bundle, 'kind', '?')} model {getattr(bundle, 'version', '?')}, "
                f"not propensity model {version}.",
                version,
            )
        record = {
            "version": version,
            "sha256": sha,
            "signature": str(meta["signature"]),
            "key_id": str(meta["key_id"]),
            "metrics": meta.get("metrics", {}),
            "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        _install(models_folder, tmp, record)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return ModelUpdate("installed", version, kept, path=models_folder / MODEL_FILE)


def _install(folder: Path, new_file: Path, record: dict[str, Any]) -> None:
    """Keep the current model as the previous one, then swap the new one in (each step an os.replace)."""
    current = folder / MODEL_FILE
    if current.is_file():
        _atomic_copy(current, folder / PREVIOUS_FILE)
        if (folder / MODEL_META).is_file():
            _atomic_copy(folder / MODEL_META, folder / PREVIOUS_META)
    os.replace(new_file, current)
    _atomic_write(folder / MODEL_META, json.dumps(record, indent=1).encode("utf-8"))


def _atomic_copy(src: Path, dst: Path) -> None:
    _atomic_write(dst, src.read_bytes())


def _atomic_write(dst: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}-", dir=dst.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dst)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
