"""Plan my day: route the most valuable visits into the rep's working hours, offline (OR-Tools)."""

from repcompanion.intel.plan.calendar import to_ics, whole_minute
from repcompanion.intel.plan.edit import recompute_times, replace_cancelled
from repcompanion.intel.plan.geo import haversine_km, travel_minutes
from repcompanion.intel.plan.greedy import greedy_plan
from repcompanion.intel.plan.history import best_time_windows
from repcompanion.intel.plan.records import (
    Candidate,
    DayPlan,
    LockedVisit,
    PlanInputError,
    PlannedVisit,
    PlanSettings,
    UnfittableOrderError,
)
from repcompanion.intel.plan.solver import plan_day

__all__ = [
    "Candidate",
    "DayPlan",
    "LockedVisit",
    "PlanInputError",
    "PlanSettings",
    "PlannedVisit",
    "UnfittableOrderError",
    "best_time_windows",
    "greedy_plan",
    "haversine_km",
    "plan_day",
    "recompute_times",
    "replace_cancelled",
    "to_ics",
    "travel_minutes",
    "whole_minute",
]
