"""`repcompanion-hub import` (providers and the company's master data), `export fhir` and `content` (the approved
content catalogue: list, withdraw)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from repcompanion.domain import IngestError
from repcompanion.hub.admin import audit
from repcompanion.hub.cli.args import Command, db_for_reading, db_from_args


def add_import(sub: Any, command: Command) -> None:
    imp = command("import", "Import providers from an NPPES CSV, a FHIR R4 file or a CRM CSV (all or nothing).")
    formats = imp.add_subparsers(
        dest="format",
        required=True,
        metavar="FORMAT",
        help="nppes, fhir or csv (providers); products, content, consents or emails (the company's master data)",
    )

    def source(name: str, help_: str) -> argparse.ArgumentParser:
        p = formats.add_parser(name, help=help_, description=help_)
        p.add_argument("file", type=Path, metavar="FILE")
        p.add_argument("--territory", metavar="T", help="align every imported HCP to this territory")
        p.add_argument("--create-territory", action="store_true", help="create the territory if it does not exist")
        p.add_argument("--nucc", type=Path, metavar="FILE", help="NUCC taxonomy CSV for specialty labels")
        p.add_argument("--report", type=Path, metavar="FILE.json", help="write the full import report as JSON")
        p.set_defaults(func=run_import, fmt=name)
        return p

    nppes = source("nppes", "NPPES monthly dissemination CSV (v1 or v2 layout), streamed")
    nppes.add_argument("--state", action="append", default=[], metavar="XX", help="keep only this state (repeat)")
    nppes.add_argument("--taxonomy", action="append", default=[], metavar="CODE", help="NUCC code or prefix (repeat)")
    nppes.add_argument("--zip", action="append", default=[], metavar="PREFIX", help="ZIP prefix (repeat)")
    source("fhir", "FHIR R4 Bundle or resources (Practitioner, PractitionerRole, Organization, Location)")
    csv = source("csv", "CRM CSV export with a TOML column-mapping file")
    csv.add_argument("--mapping", type=Path, required=True, metavar="M.toml")
    for kind, help_ in MASTER_KINDS.items():
        p = formats.add_parser(kind, help=help_, description=f"{help_}. {ALL_OR_NOTHING}")
        p.add_argument("file", type=Path, metavar="FILE", help="CSV (a header row) or JSON (an array of objects)")
        p.add_argument("--mapping", type=Path, metavar="M.toml", help="input column for each field (docs/ingest.md)")
        p.add_argument("--report", type=Path, metavar="FILE.json", help="write the full import report as JSON")
        p.set_defaults(func=run_master_import, kind=kind)


MASTER_KINDS = {
    "products": "The company's products (id, name, generic name, therapeutic area, sample limit per visit)",
    "content": "The MLR-approved content catalogue (product, topics, channel, MLR code, approval and expiry dates, "
    "specialties, subject, text and HTML bodies or their files, link, attachment)",
    "consents": "HCP consent per channel (NPI or HCP id, channel, status, date, source, expiry, proof)",
    "emails": "HCP e-mail addresses (NPI or HCP id, e-mail)",
}
ALL_OR_NOTHING = "Every row is checked; any bad row refuses the whole file, listing each problem by line."


def add_content(sub: Any, command: Command) -> None:
    content = command("content", "The approved content catalogue: list it, withdraw an item.")
    actions = content.add_subparsers(dest="content_command", required=True, metavar="ACTION", help="list or withdraw")
    listing = actions.add_parser("list", help="every item with its product, MLR code, dates and state")
    listing.set_defaults(func=run_content_list)
    withdraw = actions.add_parser(
        "withdraw",
        help="withdraw an item: never shown or sent again; its pending follow-ups stop",
        description="Withdraw an approved item: laptops stop showing it on their next sync and every follow-up "
        "still to be sent with it is stopped, with the reason.",
    )
    withdraw.add_argument("content_id", metavar="ID")
    withdraw.add_argument("--reason", required=True, help="why (reps and auditors read it)")
    withdraw.set_defaults(func=run_content_withdraw)


def add_export(sub: Any, command: Command) -> None:
    exp = command("export", "Export a territory in a standard format.")
    exp_formats = exp.add_subparsers(dest="format", required=True, metavar="FORMAT", help="fhir")
    fhir = exp_formats.add_parser("fhir", help="FHIR R4 Bundle of a territory's HCPs and their institutions")
    fhir.add_argument("--territory", required=True, metavar="T")
    fhir.add_argument("--out", type=Path, required=True, metavar="FILE.json")
    fhir.add_argument("--nucc", type=Path, metavar="FILE")
    fhir.set_defaults(func=run_export)


def run_import(args: argparse.Namespace) -> int:
    from repcompanion.hub.sync import import_into_hub

    filters: dict[str, Any] = {}
    if args.fmt == "nppes":
        filters = {"states": tuple(args.state), "taxonomies": tuple(args.taxonomy), "zip_prefixes": tuple(args.zip)}
    db = db_from_args(args)
    try:
        report = import_into_hub(
            db,
            args.fmt,
            args.file,
            territory_id=args.territory,
            create_territory=args.create_territory,
            mapping=getattr(args, "mapping", None),
            nucc=args.nucc,
            **filters,
        )
    except IngestError as exc:
        raise IngestError(f"{exc.message} Nothing was imported; the hub is unchanged.", hint=exc.hint) from exc
    audit.record_args(db, f"import {args.fmt}", args)
    print(report.summary_text())
    if args.report:
        args.report.write_text(json.dumps(report.to_dict(), indent=1, default=str), encoding="utf-8")
    if not report.accounted():
        print("repcompanion-hub: the import report does not account for every row", file=sys.stderr)
        return 1
    return 0


def run_master_import(args: argparse.Namespace) -> int:
    from repcompanion.hub.sync import import_master

    db = db_from_args(args)
    try:
        report = import_master(db, args.kind, args.file, mapping=args.mapping)
    except IngestError as exc:
        if args.report and getattr(exc, "problems", None):
            problems = {"source": str(args.file), "imported": 0, "problems": exc.problems}  # type: ignore[attr-defined]
            args.report.write_text(json.dumps(problems, indent=1), encoding="utf-8")
        raise
    audit.record_args(db, f"import {args.kind}", args)
    print(report.summary_text())
    if args.report:
        args.report.write_text(json.dumps(report.to_dict(), indent=1, default=str), encoding="utf-8")
    return 0 if report.accounted() else 1


def run_content_list(args: argparse.Namespace) -> int:
    from repcompanion.hub.sync import content_catalog

    items, products = content_catalog(db_for_reading(args))
    if not items:
        print("No content on this hub yet: load the approved catalogue with `repcompanion-hub import content`.")
        return 0
    today = datetime.now(UTC).date()
    for c in items:
        if c.withdrawn_at is not None:
            state = f"WITHDRAWN {c.withdrawn_at.date().isoformat()}: {c.withdrawn_reason}"
        elif c.valid_to < today:
            state = f"expired {c.valid_to.isoformat()}"
        elif c.valid_from > today:
            state = f"from {c.valid_from.isoformat()}"
        else:
            state = f"approved until {c.valid_to.isoformat()}"
        product = products.get(c.product_id)
        print(f"{c.id}  {c.mlr_code}  {product.name if product else c.product_id}  {c.channel.value}  {c.title}")
        print(f"    topics {', '.join(c.topics)}; {state}")
    return 0


def run_content_withdraw(args: argparse.Namespace) -> int:
    from repcompanion.hub.sync import withdraw_content

    db = db_from_args(args)
    stopped = withdraw_content(db, args.content_id, args.reason)
    audit.record_args(db, "content withdraw", args)
    print(
        f"Withdrew {args.content_id}: laptops stop showing it on their next sync; {stopped} pending follow-up(s) "
        "using it were stopped."
    )
    return 0


def run_export(args: argparse.Namespace) -> int:
    from repcompanion.hub.sync import export_territory

    n = export_territory(db_for_reading(args), args.territory, args.out, nucc=args.nucc)
    print(f"Wrote {n} FHIR resources for territory {args.territory} to {args.out}")
    return 0
