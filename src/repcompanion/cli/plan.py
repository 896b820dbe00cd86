"""`repcompanion plan`: today's route of the most valuable visits, as text, JSON or an .ics calendar."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from repcompanion.cli.common import add_workspace_option, open_workspace


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="plan the day's visits into a route within your working hours")
    add_workspace_option(p)
    p.add_argument(
        "--date",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the day (default: today from now, or the next working day)",
    )
    p.add_argument(
        "--start",
        metavar="PLACE|LAT,LON",
        help="where the day starts and ends: a saved place (home, office) or a point (default: your start place)",
    )
    p.add_argument("--hours", metavar="HH:MM-HH:MM", help="working hours (default: yours, 08:30-17:30 unless set)")
    p.add_argument("--json", action="store_true", help="print the plan as one JSON object")
    p.add_argument("--ics", type=Path, metavar="FILE", help="also write the day to an .ics calendar file")
    p.set_defaults(func=run_plan)


def run_plan(args: argparse.Namespace) -> int:
    from repcompanion.workspace import parse_hours, parse_point, whole_minute

    hours = parse_hours(args.hours) if args.hours else None
    start: tuple[float, float] | str | None = None
    if args.start:
        start = parse_point(args.start) if any(c.isdigit() for c in args.start) else args.start
    with open_workspace(args) as ws:
        day = ws.plans.plan(args.date, start=start, hours=hours)
        if args.ics:
            ws.plans.export_ics(day, args.ics)
    plan, candidates, settings = day.plan, day.candidates, day.settings
    if args.json:
        print(
            json.dumps(
                {
                    "day": settings.day.isoformat(),
                    "time_zone": settings.time_zone,
                    "start": settings.start,
                    "start_place": day.start_place,
                    "notice": day.notice,
                    "total_priority": plan.total_priority,
                    "travel_km": plan.travel_km,
                    "candidates": len(candidates),
                    "visits": [
                        {
                            "order": v.order,
                            "hcp_id": v.hcp_id,
                            "name": v.name,
                            "arrive": whole_minute(v.arrive).isoformat(),
                            "start": whole_minute(v.start).isoformat(),
                            "end": whole_minute(v.end).isoformat(),
                            "travel_min": round(v.travel_min, 1),
                            "priority": v.priority,
                            "locked": v.locked,
                        }
                        for v in plan.visits
                    ],
                }
            )
        )
        return 0
    if day.notice:
        print(day.notice)
    print(
        f"Plan for {settings.day:%A %d %B %Y} ({settings.time_zone}), {len(plan.visits)} visits, "
        f"{plan.travel_km:.0f} km, priority {plan.total_priority:.1f} from {len(candidates)} candidates"
    )
    for v in plan.visits:
        begins, ends = whole_minute(v.start), whole_minute(v.end)
        print(
            f"  {v.order:>2}. {begins:%H:%M}-{ends:%H:%M}  {v.name:<36} priority {v.priority:5.2f}  "
            f"({v.travel_min:.0f} min drive)"
        )
    if args.ics:
        print(f"Calendar written to {args.ics}")
    return 0
