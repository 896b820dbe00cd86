"""Territory commands: `find` anyone, record `consent` an HCP gave in person, propose a data change (`dcr`)."""

from __future__ import annotations

import argparse
from datetime import date

from repcompanion.cli.common import add_workspace_option, open_workspace, print_json
from repcompanion.domain import Channel, ConsentState, ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    find = sub.add_parser("find", help="find HCPs and accounts by name, NPI, specialty or town (snoozed ones too)")
    add_workspace_option(find)
    find.add_argument("text", nargs="*", help="words to look for (none: the whole territory)")
    find.add_argument("--json", action="store_true", help="print one JSON object")
    find.set_defaults(func=run_find)

    consent = sub.add_parser("consent", help="record or list the consent HCPs gave you in person")
    add_workspace_option(consent)
    steps = consent.add_subparsers(dest="consent_command", metavar="STEP", required=True)
    capture = steps.add_parser("capture", help="record an opt-in or opt-out the HCP gave you (sent at the next sync)")
    add_workspace_option(capture)
    capture.add_argument("--hcp", required=True, metavar="ID")
    capture.add_argument("--channel", required=True, choices=[c.value for c in Channel])
    decision = capture.add_mutually_exclusive_group(required=True)
    decision.add_argument("--opt-in", action="store_true", help="the HCP agrees to be contacted on the channel")
    decision.add_argument("--opt-out", action="store_true", help="the HCP wants no more contact on the channel")
    capture.add_argument("--how", required=True, metavar="TEXT", help='how it was given, e.g. "in person, signed"')
    capture.add_argument("--name", required=True, metavar="TEXT", help="the HCP's name, as the HCP typed it")
    capture.add_argument("--date", type=date.fromisoformat, metavar="YYYY-MM-DD", help="the day given (default today)")
    capture.set_defaults(func=run_consent_capture)
    show = steps.add_parser("list", help="an HCP's consent in force on each channel, and every record of it")
    add_workspace_option(show)
    show.add_argument("--hcp", required=True, metavar="ID")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    show.set_defaults(func=run_consent_list)

    dcr = sub.add_parser("dcr", help="propose corrections to an HCP's details, and see what was decided")
    add_workspace_option(dcr)
    steps = dcr.add_subparsers(dest="dcr_command", metavar="STEP", required=True)
    propose = steps.add_parser("propose", help="propose a correction (sent at the next sync, decided on the hub)")
    add_workspace_option(propose)
    propose.add_argument("--hcp", required=True, metavar="ID")
    propose.add_argument(
        "--set",
        action="append",
        required=True,
        metavar="FIELD=VALUE",
        help="a corrected value (repeat): line1, line2, city, state, zip, phone, email, specialty_code, affiliation",
    )
    propose.add_argument("--note", default="", metavar="TEXT", help="what you learned, and from whom")
    propose.set_defaults(func=run_dcr_propose)
    listing = steps.add_parser("list", help="your proposals: waiting, accepted or rejected (with the reason)")
    add_workspace_option(listing)
    listing.add_argument("--hcp", metavar="ID", help="only this HCP's")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    listing.set_defaults(func=run_dcr_list)


def run_find(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        listing = ws.directory.find(" ".join(args.text))
    if args.json:
        print_json(
            {
                "text": listing.text,
                "truncated": listing.truncated,
                "entries": [
                    {
                        "kind": e.kind.value,
                        "id": e.id,
                        "name": e.name,
                        "detail": e.detail,
                        "town": e.town,
                        "npi": e.npi,
                        "standing": e.standing.value,
                        "rank": e.rank,
                        "action": e.action,
                        "until": e.until.isoformat() if e.until else None,
                    }
                    for e in listing.entries
                ],
            }
        )
        return 0
    for e in listing.entries:
        where = f"#{e.rank} today" if e.rank else e.standing.value.replace("_", " ")
        if e.until is not None:
            where += f" until {e.until.isoformat()}"
        print(f"{e.id:<10} {e.kind.value:<8} {e.name:<36} {e.detail:<28} {e.town:<22} {e.npi:<11} {where}")
    more = " (the first ones only: add words to narrow it)" if listing.truncated else ""
    print(f"{len(listing.entries)} found{more}")
    return 0


def run_consent_capture(args: argparse.Namespace) -> int:
    state = ConsentState.OPT_IN if args.opt_in else ConsentState.OPT_OUT
    with open_workspace(args) as ws:
        consent = ws.directory.capture_consent(
            args.hcp,
            Channel(args.channel),
            state,
            given_on=args.date or ws.today(),
            how=args.how,
            typed_name=args.name,
        ).value
    print(
        f"Recorded {consent.channel.value} {consent.state.value.replace('_', '-')} for {consent.hcp_id} "
        f"({consent.source}); it applies now and is sent to your hub at the next sync."
    )
    return 0


def run_consent_list(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        in_force = ws.directory.consents(args.hcp)
        records = ws.directory.consent_records(args.hcp)
    if args.json:
        print_json(
            {
                "hcp_id": args.hcp,
                "in_force": {ch.value: (c.state.value if c else None) for ch, c in in_force.items()},
                "records": [
                    {
                        "id": c.id,
                        "channel": c.channel.value,
                        "state": c.state.value,
                        "captured_at": c.captured_at.isoformat(),
                        "source": c.source,
                        "proof": c.proof,
                    }
                    for c in records
                ],
            }
        )
        return 0
    for ch, c in in_force.items():
        print(f"{ch.value:<15} {c.state.value if c else 'none on file'}")
    for c in records:
        print(f"  {c.captured_at:%Y-%m-%d} {c.channel.value:<15} {c.state.value:<8} {c.source}")
    return 0


def _changes(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        if not sep or not field.strip():
            raise ValidationError(f"--set {pair!r} is not FIELD=VALUE.", hint="For example: --set phone=617-555-0100")
        out[field.strip()] = value.strip()
    return out


def run_dcr_propose(args: argparse.Namespace) -> int:
    changes = _changes(args.set)
    with open_workspace(args) as ws:
        request = ws.directory.propose_change(args.hcp, changes, args.note).value
    fields = ", ".join(f"{k}={v}" for k, v in request.changes.items())
    print(
        f"Proposed {request.id} for {request.hcp_id}: {fields}. It is sent at the next sync and waits for a decision."
    )
    return 0


def run_dcr_list(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        requests = ws.directory.change_requests(args.hcp)
    if args.json:
        print_json(
            [
                {
                    "id": r.id,
                    "hcp_id": r.hcp_id,
                    "changes": r.changes,
                    "note": r.note,
                    "status": r.status,
                    "reason": r.reason,
                    "created_at": r.created_at.isoformat(),
                    "decided_at": r.decided_at.isoformat() if r.decided_at else None,
                }
                for r in requests
            ]
        )
        return 0
    for r in requests:
        status = "waiting for a decision" if r.status == "proposed" else r.status
        why = f": {r.reason}" if r.reason else ""
        fields = ", ".join(f"{k}={v}" for k, v in r.changes.items())
        print(f"{r.created_at:%Y-%m-%d} {r.hcp_id:<10} {fields}  — {status}{why}")
    if not requests:
        print("No proposals yet.")
    return 0
