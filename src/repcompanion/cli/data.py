"""`repcompanion export fhir`: the rep's own territory as a FHIR R4 Bundle, from the laptop."""

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


def run_export_fhir(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        n = ws.importing.export_fhir(args.out, nucc_path=args.nucc)
    print(f"Wrote {n} FHIR resources to {args.out}")
    return 0
