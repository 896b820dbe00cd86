"""`repcompanion-hub model keygen|train|list|publish-key`: the signed propensity-model lifecycle."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from repcompanion.hub.cli.args import Command, config_from_args, db_for_reading, db_from_args, db_url_from_args
from repcompanion.hub.models import signing


def add_model(sub: Any, command: Command) -> None:
    model = command("model", "Retrain, sign and publish the propensity model; manage its signing key.")
    actions = model.add_subparsers(
        dest="model_command", required=True, metavar="ACTION", help="keygen, train, list or publish-key"
    )

    def action(name: str, help_: str) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=help_, description=help_)
        p.add_argument(
            "--key-file",
            type=Path,
            metavar="PEM",
            help="private signing key (default: $REPCOMPANION_HUB_MODEL_KEY, else model-signing-key.pem next to a "
            "SQLite hub database, else the hub data folder)",
        )
        return p

    action("keygen", "Create the Ed25519 signing key (0600) and print its public key for IT.").set_defaults(
        func=run_keygen
    )
    train = action("train", "Retrain from every territory's history and publish a signed version if not worse.")
    train.add_argument("--force", action="store_true", help="publish even if worse than the current model")
    train.add_argument("--holdout-days", type=int, default=90, metavar="N", help="held-out last days (default 90)")
    train.set_defaults(func=run_train)
    listing = action("list", "Published versions, newest first, with held-out metrics.")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=run_list)
    action("publish-key", "Print the public key (PEM) clients must trust, and its key id.").set_defaults(
        func=run_publish_key
    )


def _key_path(args: argparse.Namespace, db_url: str) -> Path:
    configured = config_from_args(args).model.key
    return args.key_file or (Path(configured).expanduser() if configured else signing.default_key_path(db_url))


def _print_public(path: Path, key: Any) -> None:
    public = key.public_key()
    print(f"Key id {signing.key_id(public)} (private key {path}, keep it secret and backed up).")
    print("Ship this public key with the app as src/repcompanion/resources/keys/<name>.pem:")
    print(signing.public_key_text(public), end="")


def run_keygen(args: argparse.Namespace) -> int:
    path = _key_path(args, db_url_from_args(args))
    key = signing.create_key(path)
    print(f"Created the model-signing key at {path} (mode 0600).")
    _print_public(path, key)
    return 0


def run_publish_key(args: argparse.Namespace) -> int:
    path = _key_path(args, db_url_from_args(args))
    _print_public(path, signing.load_key(path))
    return 0


def run_train(args: argparse.Namespace) -> int:
    from repcompanion.hub.models import training

    db = db_from_args(args)
    path = _key_path(args, db.url)
    key, created = signing.load_or_create_key(path)
    if created:
        print(f"Created a new model-signing key at {path} (mode 0600); clients must trust its public key:")
        _print_public(path, key)

    def progress(fraction: float, message: str) -> None:
        print(f"\r{fraction:5.0%} {message[:60]:<60}", end="", file=sys.stderr, flush=True)

    result = training.train_and_publish(db, key, force=args.force, holdout_days=args.holdout_days, progress=progress)
    print(file=sys.stderr)
    held, base = result.metrics["holdout"], result.baseline_metrics
    print(
        f"Trained {result.version} on {result.metrics['examples']} contacts of {result.metrics['hcps']} HCPs in "
        f"{result.metrics['territories']} territories ({result.seconds:.1f} s)."
    )
    print(f"  held-out last {args.holdout_days} days: new {_fmt(held)}")
    if result.baseline_version:
        print(f"  current model {result.baseline_version}: {_fmt(base) if base else 'cannot score these days'}")
    for note in result.notes:
        print(f"  note: {note}")
    if not result.published:
        print(result.reason, file=sys.stderr)
        return 1
    assert result.record is not None
    print(f"Published {result.version} (sha256 {result.record.sha256[:16]}…, key {result.record.key_id}).")
    print("Reps download it on their next sync.")
    return 0


def _fmt(m: dict[str, float]) -> str:
    return ", ".join(f"{k} {m[k]:.3f}" for k in ("auc", "average_precision", "brier", "ece") if k in m)


def run_list(args: argparse.Namespace) -> int:
    from repcompanion.hub import models

    db = db_for_reading(args)
    with db.read() as conn:
        versions = models.list_versions(conn)
    if args.json:
        print(json.dumps([v.to_json() for v in versions], indent=1))
        return 0
    if not versions:
        print("No model has been published; clients use the model shipped with the app.")
        return 0
    for k, v in enumerate(versions):
        mark = "latest" if k == 0 else "      "
        print(
            f"{mark} {v.version}  {v.created_at[:19]}  key {v.key_id}  {v.size} B  {_fmt(v.metrics.get('holdout', {}))}"
        )
    return 0
