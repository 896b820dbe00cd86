"""`repcompanion export fhir` (the rep's territory as a FHIR R4 Bundle) and `export tables` (every table of the
workspace as CSV or JSON, for support)."""

from __future__ import annotations

import argparse
from pathlib import Path

from repcompanion.cli.common import add_workspace_option, open_workspace


def register(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser("export", help="export the territory in a standard format")
    formats = export.add_subparsers(dest="format", metavar="FORMAT", required=True)
    fhir = formats.add_parser("fhir", help="FHIR R4 Bundle of Practitioner, PractitionerRole and Organization")
    add_workspace_option(fhir)
    fhir.add_argument("--out", type=Path, required=True, metavar="FILE.json")
    fhir.add_argument("--nucc", type=Path, metavar="FILE", help="NUCC taxonomy CSV for specialty display names")
    fhir.set_defaults(func=run_export_fhir)
    tables = formats.add_parser(
        "tables",
        help="every table of the workspace as CSV or JSON files, for support",
        description="Every table of the workspace, one file each, for support. Visit notes, adverse-event "
        "descriptions, drafts and queued uploads are left out (their length is shown) unless --include-notes.",
    )
    add_workspace_option(tables)
    tables.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the files")
    tables.add_argument("--format", dest="file_format", choices=("csv", "json"), default="csv")
    tables.add_argument("--include-notes", action="store_true", help="include notes and other free text")
    tables.set_defaults(func=run_export_tables)


def run_export_fhir(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        n = ws.importing.export_fhir(args.out, nucc_path=args.nucc)
    print(f"Wrote {n} FHIR resources to {args.out}")
    return 0


def run_export_tables(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        written = ws.importing.export_tables(args.out, fmt=args.file_format, include_notes=args.include_notes)
    print(f"Wrote {len(written)} tables ({sum(written.values()):,} rows) as {args.file_format.upper()} to {args.out}")
    if not args.include_notes:
        print("Notes and other free text were left out; add --include-notes to include them.")
    return 0
