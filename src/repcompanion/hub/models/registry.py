"""The hub's model registry: published propensity-model versions, stored whole with their SHA-256 and signature.

A published version is stored in ``model_versions`` with its SHA-256 and an Ed25519 signature (see
:mod:`repcompanion.hub.models.signing`); laptops download the newest one when they sync.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, func, select

from repcompanion.domain.errors import HubError
from repcompanion.hub.db import HubDb
from repcompanion.hub.db.schema import device_models, model_versions
from repcompanion.hub.models import signing
from repcompanion.intel.propensity import ModelBundle, default_model_path, load_model, save_model


@dataclass(frozen=True)
class ModelVersion:
    """One published model (without its bytes)."""

    version: str
    created_at: str
    metrics: dict[str, Any]
    sha256: str
    signature: str
    key_id: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "created_at": self.created_at,
            "sha256": self.sha256,
            "signature": self.signature,
            "key_id": self.key_id,
            "size": self.size,
            "metrics": self.metrics,
        }


def _record(row: Any) -> ModelVersion:
    return ModelVersion(
        version=row.version,
        created_at=row.created_at,
        metrics=json.loads(row.metrics),
        sha256=row.sha256,
        signature=row.signature,
        key_id=row.key_id,
        size=int(row.size),
    )


_META = [c for c in model_versions.c if c.name != "data"]


_NEWEST_FIRST = (model_versions.c.created_at.desc(), model_versions.c.version.desc())


def list_versions(conn: Connection) -> list[ModelVersion]:
    """Every published version, newest first."""
    return [_record(r) for r in conn.execute(select(*_META).order_by(*_NEWEST_FIRST))]


def latest_version(conn: Connection) -> ModelVersion | None:
    row = conn.execute(select(*_META).order_by(*_NEWEST_FIRST).limit(1)).first()
    return _record(row) if row is not None else None


def get_version(conn: Connection, version: str) -> ModelVersion | None:
    row = conn.execute(select(*_META).where(model_versions.c.version == version)).first()
    return _record(row) if row is not None else None


def model_bytes(conn: Connection, version: str) -> bytes | None:
    return conn.execute(select(model_versions.c.data).where(model_versions.c.version == version)).scalar()


def publish(db: HubDb, bundle: ModelBundle, key: Ed25519PrivateKey, metrics: dict[str, Any]) -> ModelVersion:
    """Serialise ``bundle`` with skops, sign its SHA-256 with its version, and store it as a new version."""
    with tempfile.TemporaryDirectory(prefix="repcompanion-model-") as tmp:
        data = save_model(bundle, Path(tmp) / "propensity.skops").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    record = ModelVersion(
        version=bundle.version,
        created_at=datetime.now(UTC).isoformat(timespec="microseconds"),
        metrics=metrics,
        sha256=digest,
        signature=signing.sign(key, bundle.version, digest),
        key_id=signing.key_id(key.public_key()),
        size=len(data),
    )
    with db.write() as conn:
        if get_version(conn, record.version) is not None:
            raise HubError(f"Model version {record.version} is already published.", hint="Train again.")
        conn.execute(
            model_versions.insert().values(
                version=record.version,
                created_at=record.created_at,
                metrics=json.dumps(record.metrics, default=_json_default),
                sha256=record.sha256,
                signature=record.signature,
                key_id=record.key_id,
                size=record.size,
                data=data,
            )
        )
    return record


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def current_model(db: HubDb) -> ModelBundle | None:
    """What clients run now: the latest published version, else the default model shipped with the app."""
    with db.read() as conn:
        latest = latest_version(conn)
        data = model_bytes(conn, latest.version) if latest else None
    if data is not None:
        with tempfile.TemporaryDirectory(prefix="repcompanion-model-") as tmp:
            path = Path(tmp) / "current.skops"
            path.write_bytes(data)
            return load_model(path)
    default = default_model_path()
    return load_model(default) if default.is_file() else None


def new_version(db: HubDb, last_day: date) -> str:
    """A version name not yet published: ``propensity-hub-<last history day>-<UTC time>[-n]``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = f"propensity-hub-{last_day.isoformat()}-{stamp}"
    version, n = base, 1
    with db.read() as conn:
        while get_version(conn, version) is not None:
            n += 1
            version = f"{base}-{n}"
    return version


def count_versions(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(model_versions)).scalar_one())


def record_device_model(
    db: HubDb, device_id: str, *, running: str | None = None, downloaded: str | None = None
) -> None:
    """Remember which model a device says it runs (its model check) or last downloaded."""
    at = datetime.now(UTC).isoformat(timespec="seconds")
    values: dict[str, Any] = {}
    if running is not None:
        values |= {"running": running[:200], "checked_at": at}
    if downloaded is not None:
        values |= {"downloaded": downloaded[:200], "downloaded_at": at}
    if not values:
        return
    d = device_models
    with db.write() as conn:
        if not conn.execute(d.update().where(d.c.device_id == device_id).values(**values)).rowcount:
            conn.execute(d.insert().values(device_id=device_id, **values))
