"""Hub model registry: retrain from every territory, gate against the current model, sign, serve to reps only."""

from __future__ import annotations

import base64
import hashlib
import math
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from repcompanion.hub import HubDb, create_app, models
from repcompanion.hub.admin import seed_hub
from repcompanion.hub.cli import main
from repcompanion.hub.models import signing, training
from repcompanion.intel.propensity import load_model
from repcompanion.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.hub.conftest import PASSWORD, Rep


@dataclass
class TrainedHub:
    url: str
    folder: Path
    db: HubDb
    key: Ed25519PrivateKey
    first: training.TrainResult


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainedHub]:
    folder = tmp_path_factory.mktemp("model-hub")
    url = f"sqlite:///{folder / 'hub.db'}"
    db = HubDb(url)
    db.migrate()
    seed_hub(db, reps=2, hcps_per_rep=40, seed=7, password=PASSWORD)
    key, created = signing.load_or_create_key(signing.default_key_path(url))
    assert created
    first = training.train_and_publish(db, key)
    yield TrainedHub(url, folder, db, key, first)
    db.dispose()


def test_training_pools_every_territory_and_publishes_a_signed_loadable_version(trained: TrainedHub) -> None:
    result = trained.first
    assert result.published, result.reason
    assert result.metrics["territories"] == 2 and result.metrics["hcps"] == 80
    assert result.metrics["examples"] > 1000
    assert 0.6 < result.metrics["holdout"]["auc"] <= 1.0
    assert result.baseline_metrics, "the shipped default model was not scored on the held-out days"
    with trained.db.read() as conn:
        record = models.latest_version(conn)
        data = models.model_bytes(conn, result.version)
    assert record is not None and data is not None and record.version == result.version
    assert hashlib.sha256(data).hexdigest() == record.sha256
    assert signing.verify(trained.key.public_key(), record.version, record.sha256, record.signature)
    assert not signing.verify(trained.key.public_key(), record.version + "x", record.sha256, record.signature)
    path = trained.folder / "check.skops"
    path.write_bytes(data)
    bundle = load_model(path)
    assert bundle.version == record.version and bundle.kind == "propensity"


def test_a_worse_model_is_refused_unless_forced(trained: TrainedHub, monkeypatch: pytest.MonkeyPatch) -> None:
    with trained.db.read() as conn:
        before = models.count_versions(conn)
    monkeypatch.setattr(training, "AUC_MARGIN", -0.5)  # demand an impossible improvement
    refused = training.train_and_publish(trained.db, trained.key)
    assert not refused.published
    assert "below the current model" in refused.reason and trained.first.version in refused.reason
    with trained.db.read() as conn:
        assert models.count_versions(conn) == before
    forced = training.train_and_publish(trained.db, trained.key, force=True)
    assert forced.published and forced.notes
    with trained.db.read() as conn:
        assert models.latest_version(conn).version == forced.version  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("candidate", "baseline", "refused"),
    [
        ({"auc": 0.80, "brier": 0.15}, {"auc": 0.81, "brier": 0.15}, False),
        ({"auc": 0.75, "brier": 0.15}, {"auc": 0.80, "brier": 0.15}, True),
        ({"auc": 0.80, "brier": 0.17}, {"auc": 0.80, "brier": 0.15}, True),
        ({"auc": math.nan, "brier": 0.15}, None, True),
        ({"auc": 0.70, "brier": 0.20}, None, False),
    ],
)
def test_gate_margins(candidate: dict[str, float], baseline: dict[str, float] | None, refused: bool) -> None:
    assert bool(training.gate(candidate, baseline)) is refused


def test_model_routes_need_a_rep_token_and_serve_the_signed_bytes(trained: TrainedHub) -> None:
    with TestClient(create_app(trained.url, migrate=False)) as client:
        bare = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
        assert client.get("/v1/model/latest", headers=bare).status_code == 401
        assert client.get(f"/v1/model/{trained.first.version}/file", headers=bare).status_code == 401
        rep = Rep(client, "rep01", "device-model-test")
        meta = client.get("/v1/model/latest", headers=rep.headers).json()
        with trained.db.read() as conn:
            assert meta["version"] == models.latest_version(conn).version  # type: ignore[union-attr]
        assert meta["key_id"] == signing.key_id(trained.key.public_key())
        assert len(base64.b64decode(meta["signature"])) == 64
        assert "auc" in meta["metrics"]["holdout"]
        data = client.get(f"/v1/model/{meta['version']}/file", headers=rep.headers).content
        assert hashlib.sha256(data).hexdigest() == meta["sha256"]
        assert client.get("/v1/model/no-such-version/file", headers=rep.headers).status_code == 404


def test_signing_key_is_private_never_overwritten_and_refused_when_readable(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    key = signing.create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(signing.ModelKeyError, match="already exists"):
        signing.create_key(path)
    assert signing.key_id(signing.load_key(path).public_key()) == signing.key_id(key.public_key())
    os.chmod(path, 0o644)
    with pytest.raises(signing.ModelKeyError, match="read by other users") as refused:
        signing.load_key(path)
    assert "chmod 600" in (refused.value.hint or "")
    with pytest.raises(signing.ModelKeyError) as missing:
        signing.load_key(tmp_path / "missing.pem")
    assert "model keygen" in missing.value.user_message()


def test_cli_keygen_list_and_publish_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    assert main(["model", "keygen", "--db", url]) == 0  # needs no database: the key goes next to it
    assert not (tmp_path / "hub.db").exists()
    assert main(["init", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "BEGIN PUBLIC KEY" in out and (tmp_path / signing.KEY_FILE_NAME).is_file()
    assert main(["model", "keygen", "--db", url]) == 2  # refuses to replace the key clients trust
    assert main(["model", "publish-key", "--db", url]) == 0
    assert "BEGIN PUBLIC KEY" in capsys.readouterr().out
    assert main(["model", "list", "--db", url]) == 0
    assert "No model has been published" in capsys.readouterr().out


def test_a_just_imported_territory_without_history_is_left_out_and_the_report_says_so(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    db = HubDb(url)
    db.migrate()
    seed_hub(db, reps=2, hcps_per_rep=40, seed=7, password=PASSWORD)
    nppes = shared_data / "nppes" / "davinci_sample-nppes-practitioner_20181204-data.csv"
    assert main(["import", "nppes", str(nppes), "--state", "RI", "--territory", "T-RI", "--create-territory",
                 "--db", url]) == 0  # fmt: skip
    assert main(["model", "keygen", "--db", url]) == 0
    capsys.readouterr()
    assert main(["model", "train", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "left out 1 territory with no visits or other contacts on record yet" in out and "T-RI" in out
    with db.read() as conn:
        record = models.latest_version(conn)
    assert record is not None
    assert record.metrics["territories"] == 2 and record.metrics["territories_without_history"] == ["T-RI"]
    db.dispose()
