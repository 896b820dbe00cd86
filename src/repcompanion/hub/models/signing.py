"""The hub's Ed25519 model-signing key: created once, kept in a 0600 file, its public half shipped with the app.

What is signed is ``repcompanion.protocol.signing.signed_message`` (version and SHA-256 of the .skops bytes), the
same bytes the client verifies.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import platformdirs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import make_url

from repcompanion.domain.errors import HubError
from repcompanion.protocol.signing import key_id as key_id
from repcompanion.protocol.signing import signed_message

KEY_ENV = "REPCOMPANION_HUB_MODEL_KEY"
KEY_FILE_NAME = "model-signing-key.pem"


class ModelKeyError(HubError):
    """The signing key is missing, unreadable, or readable by other users."""


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The public key as PEM (SubjectPublicKeyInfo): what IT ships in repcompanion/resources/keys/."""
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def default_key_path(db_url: str) -> Path:
    """``$REPCOMPANION_HUB_MODEL_KEY``, else next to a SQLite hub database, else the hub's data folder."""
    override = os.environ.get(KEY_ENV)
    if override:
        return Path(override)
    try:
        url = make_url(db_url)
    except Exception:
        url = None
    if url is not None and url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser().resolve().parent / KEY_FILE_NAME
    return Path(platformdirs.user_data_dir("repcompanion-hub", appauthor=False)) / KEY_FILE_NAME


def create_key(path: Path) -> Ed25519PrivateKey:
    """Write a new private key to ``path`` (0600, never overwriting an existing file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise ModelKeyError(
            f"A model-signing key already exists at {path}; it was not replaced.",
            hint="Clients trust that key. To rotate, create the new key elsewhere (--key-file), ship its public "
            "key with the app next to the old one, then switch.",
        ) from exc
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


def load_key(path: Path) -> Ed25519PrivateKey:
    """The private key at ``path``; refuses a file other users can read."""
    if not path.is_file():
        raise ModelKeyError(
            f"There is no model-signing key at {path}.",
            hint="Create one with `repcompanion-hub model keygen` (or set REPCOMPANION_HUB_MODEL_KEY).",
        )
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise ModelKeyError(
            f"The model-signing key {path} can be read by other users; it was not used.",
            hint=f"Run `chmod 600 {path}` and make sure nobody else copied it.",
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise ModelKeyError(f"{path} is not a PEM Ed25519 private key ({exc}).") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ModelKeyError(f"{path} holds a {type(key).__name__}, not an Ed25519 key.")
    return key


def load_or_create_key(path: Path) -> tuple[Ed25519PrivateKey, bool]:
    """The key at ``path``, creating it when absent; the flag says whether it was created now."""
    if path.exists():
        return load_key(path), False
    return create_key(path), True


def sign(key: Ed25519PrivateKey, version: str, sha256_hex: str) -> str:
    """Base64 Ed25519 signature of :func:`signed_message`."""
    return base64.b64encode(key.sign(signed_message(version, sha256_hex))).decode("ascii")


def verify(public_key: Ed25519PublicKey, version: str, sha256_hex: str, signature_b64: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature_b64, validate=True), signed_message(version, sha256_hex))
    except (InvalidSignature, ValueError):
        return False
    return True
