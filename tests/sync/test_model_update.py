"""Client model updates: only a signed, intact, trusted-types model is installed; otherwise the old one stays."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sklearn.preprocessing import FunctionTransformer

from repcompanion.hub import models
from repcompanion.hub.db.schema import model_versions
from repcompanion.hub.models import signing
from repcompanion.intel.propensity import ModelBundle, default_model_path, load_model, save_model
from repcompanion.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from repcompanion.sync import model_update
from repcompanion.sync.model_update import MODEL_FILE, PREVIOUS_FILE, update_model
from repcompanion.workspace.model_update import check_model, installed_model
from tests.sync.conftest import HUB_URL, Device, Hub


@pytest.fixture(scope="module")
def default_bundle() -> ModelBundle:
    path = default_model_path()
    if not path.is_file():
        pytest.skip(f"the default model {path} is missing")
    return load_model(path)


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return signing.public_key_text(key.public_key()).encode()


def model_file_bytes(bundle: ModelBundle, tmp_path: Path) -> bytes:
    return save_model(bundle, tmp_path / f"{bundle.version}.skops").read_bytes()


def put_version(
    hub: Hub, key: Ed25519PrivateKey, version: str, data: bytes, *, signed_data: bytes | None = None, created: str = ""
) -> None:
    """Store a version row as the registry does; ``signed_data`` lets a test sign other bytes than it serves."""
    digest = hashlib.sha256(signed_data if signed_data is not None else data).hexdigest()
    with hub.db.write() as conn:
        conn.execute(
            model_versions.insert().values(
                version=version,
                created_at=created or f"2026-11-24T00:00:0{len(models.list_versions(conn))}",
                metrics=json.dumps({"holdout": {"auc": 0.8}}),
                sha256=digest,
                signature=signing.sign(key, version, digest),
                key_id=signing.key_id(key.public_key()),
                size=len(data),
                data=data,
            )
        )


@pytest.fixture
def rep(hub: Hub, make_device: Callable[..., Device]) -> Device:
    device = make_device(hub)
    device.login()
    return device


def headers(device: Device) -> dict[str, str]:
    tokens = device.client.credentials.load(HUB_URL, "rep01")
    assert tokens is not None
    return {"Authorization": f"Bearer {tokens.access_token}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


def fetch(device: Device, folder: Path, keys: list[bytes]) -> model_update.ModelUpdate:
    return update_model(device.client.http, HUB_URL, headers(device), folder, keys, load=load_model)


def install_v1(hub: Hub, rep: Device, key: Ed25519PrivateKey, bundle: ModelBundle, tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    put_version(hub, key, "v1", model_file_bytes(ModelBundle(bundle.estimator, "propensity", "v1"), tmp_path))
    assert fetch(rep, folder, [public_pem(key)]).status == "installed"
    return folder


def test_good_update_installs_loads_and_is_then_up_to_date(
    hub: Hub, rep: Device, signing_key: Ed25519PrivateKey, default_bundle: ModelBundle, tmp_path: Path
) -> None:
    folder = tmp_path / "models"
    data = model_file_bytes(ModelBundle(default_bundle.estimator, "propensity", "v1"), tmp_path)
    put_version(hub, signing_key, "v1", data)
    result = fetch(rep, folder, [public_pem(signing_key)])
    assert result.status == "installed", result.reason
    assert (folder / MODEL_FILE).read_bytes() == data
    assert load_model(folder / MODEL_FILE).version == "v1"
    assert installed_model(folder, [public_pem(signing_key)]).version == "v1"
    assert fetch(rep, folder, [public_pem(signing_key)]).status == "up_to_date"

    put_version(
        hub, signing_key, "v2", model_file_bytes(ModelBundle(default_bundle.estimator, "propensity", "v2"), tmp_path)
    )
    second = fetch(rep, folder, [public_pem(signing_key)])
    assert (second.status, second.version, second.previous_version) == ("installed", "v2", "v1")
    assert load_model(folder / PREVIOUS_FILE).version == "v1"
    assert installed_model(folder, [public_pem(signing_key)]).version == "v2"


def test_tampered_bytes_are_rejected_and_the_previous_model_kept(
    hub: Hub, rep: Device, signing_key: Ed25519PrivateKey, default_bundle: ModelBundle, tmp_path: Path
) -> None:
    folder = install_v1(hub, rep, signing_key, default_bundle, tmp_path)
    before = (folder / MODEL_FILE).read_bytes()
    good = model_file_bytes(ModelBundle(default_bundle.estimator, "propensity", "v2"), tmp_path)
    tampered = bytearray(good)
    tampered[len(tampered) // 2] ^= 0xFF
    put_version(hub, signing_key, "v2", bytes(tampered), signed_data=good)
    result = fetch(rep, folder, [public_pem(signing_key)])
    assert result.status == "rejected"
    assert "sha256" in result.reason
    assert (folder / MODEL_FILE).read_bytes() == before
    assert installed_model(folder, [public_pem(signing_key)]).version == "v1"
    assert not list(folder.glob(".propensity-*")), "the rejected download was left behind"


def test_a_model_signed_with_an_untrusted_key_is_rejected(
    hub: Hub, rep: Device, signing_key: Ed25519PrivateKey, default_bundle: ModelBundle, tmp_path: Path
) -> None:
    folder = install_v1(hub, rep, signing_key, default_bundle, tmp_path)
    stranger = Ed25519PrivateKey.generate()
    put_version(
        hub, stranger, "v2", model_file_bytes(ModelBundle(default_bundle.estimator, "propensity", "v2"), tmp_path)
    )
    result = fetch(rep, folder, [public_pem(signing_key)])
    assert result.status == "rejected"
    assert "does not trust" in result.reason
    assert load_model(folder / MODEL_FILE).version == "v1"


def test_a_signature_forged_under_a_trusted_key_id_is_rejected(
    hub: Hub, rep: Device, signing_key: Ed25519PrivateKey, default_bundle: ModelBundle, tmp_path: Path
) -> None:
    folder = install_v1(hub, rep, signing_key, default_bundle, tmp_path)
    put_version(
        hub, signing_key, "v2", model_file_bytes(ModelBundle(default_bundle.estimator, "propensity", "v2"), tmp_path)
    )
    forged = signing.sign(Ed25519PrivateKey.generate(), "v2", "0" * 64)
    with hub.db.write() as conn:
        conn.execute(model_versions.update().where(model_versions.c.version == "v2").values(signature=forged))
    result = fetch(rep, folder, [public_pem(signing_key)])
    assert result.status == "rejected"
    assert "signature does not match" in result.reason
    assert load_model(folder / MODEL_FILE).version == "v1"


def test_an_untrusted_type_in_a_correctly_signed_file_is_refused_by_the_skops_load(
    hub: Hub, rep: Device, signing_key: Ed25519PrivateKey, default_bundle: ModelBundle, tmp_path: Path
) -> None:
    folder = install_v1(hub, rep, signing_key, default_bundle, tmp_path)
    evil = ModelBundle(FunctionTransformer(func=eval), "propensity", "v2")  # type: ignore[arg-type]
    put_version(hub, signing_key, "v2", model_file_bytes(evil, tmp_path))
    result = fetch(rep, folder, [public_pem(signing_key)])
    assert result.status == "rejected"
    assert "trusted types" in result.reason
    assert "FunctionTransformer" in result.reason or "eval" in result.reason
    assert load_model(folder / MODEL_FILE).version == "v1"
    assert installed_model(folder, [public_pem(signing_key)]).version == "v1"


def test_a_signed_file_holding_another_version_is_rejected(
    hub: Hub, rep: Device, signing_key: Ed25519PrivateKey, default_bundle: ModelBundle, tmp_path: Path
) -> None:
    folder = install_v1(hub, rep, signing_key, default_bundle, tmp_path)
    old_file = model_file_bytes(ModelBundle(default_bundle.estimator, "propensity", "v0-old"), tmp_path)
    put_version(hub, signing_key, "v2", old_file)  # a replay of an old file under a new version
    result = fetch(rep, folder, [public_pem(signing_key)])
    assert result.status == "rejected"
    assert "v0-old" in result.reason
    assert load_model(folder / MODEL_FILE).version == "v1"


def test_nothing_published_and_no_trusted_keys_keep_the_current_model(rep: Device, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    assert fetch(rep, tmp_path / "models", [public_pem(key)]).status == "none_published"
    result = fetch(rep, tmp_path / "models", [])
    assert result.status == "rejected"
    assert "no trusted" in result.reason
    assert not (tmp_path / "models" / MODEL_FILE).exists()


def test_a_model_file_changed_on_disk_after_install_is_not_used(
    hub: Hub, rep: Device, signing_key: Ed25519PrivateKey, default_bundle: ModelBundle, tmp_path: Path
) -> None:
    folder = install_v1(hub, rep, signing_key, default_bundle, tmp_path)
    other = model_file_bytes(ModelBundle(default_bundle.estimator, "propensity", "local-edit"), tmp_path)
    (folder / MODEL_FILE).write_bytes(other)
    assert installed_model(folder, [public_pem(signing_key)]) is None


def test_a_model_check_after_sync_uses_the_shipped_keys(
    hub: Hub,
    rep: Device,
    signing_key: Ed25519PrivateKey,
    default_bundle: ModelBundle,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "company.pem").write_bytes(public_pem(signing_key))
    monkeypatch.setenv("REPCOMPANION_MODEL_KEYS", str(keys))
    put_version(
        hub, signing_key, "v1", model_file_bytes(ModelBundle(default_bundle.estimator, "propensity", "v1"), tmp_path)
    )
    rep.client.sync()
    folder = tmp_path / "ws" / "models"
    update = check_model(folder, rep.client)
    assert update.installed and update.message() == "Installed suggestion model v1."
    assert installed_model(folder).version == "v1"
    again = check_model(folder, rep.client)
    assert not again.installed and "up to date" in again.message()
