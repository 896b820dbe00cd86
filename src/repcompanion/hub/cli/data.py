"""`repcompanion-hub import nppes|fhir|csv` and `repcompanion-hub export fhir`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from repcompanion.domain import IngestError
from repcompanion.hub.admin import audit
from repcompanion.hub.cli.args import Command, db_for_reading, db_from_args


def add_import(sub: Any, command: Command) -> None:
    imp = command("import", "Import providers from an NPPES CSV, a FHIR R4 file or a CRM CSV (all or nothing).")
    formats = imp.add_subparsers(dest="format", required=True, metavar="FORMAT", help="nppes, fhir or csv")

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


def run_export(args: argparse.Namespace) -> int:
    from repcompanion.hub.sync import export_territory

    n = export_territory(db_for_reading(args), args.territory, args.out, nucc=args.nucc)
    print(f"Wrote {n} FHIR resources for territory {args.territory} to {args.out}")
    return 0
