"""What a published model's Ed25519 signature covers, and how a key is named: shared by the hub and the client."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SIGNATURE_DOMAIN = b"repcompanion-model-signature-v1"


def signed_message(version: str, sha256_hex: str) -> bytes:
    """The exact bytes the signature covers: ``b"<domain>\\n<version>\\n<sha256 hex, lower case>"``."""
    return b"\n".join((SIGNATURE_DOMAIN, version.encode("utf-8"), sha256_hex.lower().encode("ascii")))


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 16 hex digits of the SHA-256 of the raw public key (names the key in metadata and logs)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


__all__ = ["SIGNATURE_DOMAIN", "key_id", "signed_message"]
