"""Arbitration: priority = P(response | action) × value × urgency × context, one best action per HCP.

- value: the HCP's business value, segment weight × (0.5 + decile / 10) (the same scale the
  simulator uses to value a response, so benchmark value and ranking agree);
- urgency in [1, 1.5]: share of the call plan still open, weighted by how much of the quarter
  has passed, and time since the last company contact (saturating at 90 days);
- context in [1, 1.3]: a promised follow-up falls due within three days (or is overdue), or the
  HCP engaged with company content in the last 14 days;
- a journey-suggested action (``IntelInputs.suggested_actions``, e.g. an MSL referral after the HCP
  opened a clinical-data email) has its context multiplied by :data:`SUGGESTED_BOOST`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from repcompanion.domain import ActionType, Hcp, Segment

SEGMENT_VALUE = {Segment.A: 4.0, Segment.B: 2.5, Segment.C: 1.5, Segment.D: 1.0}
FIELD_ACTIONS = (str(ActionType.VISIT), str(ActionType.REMOTE_MEETING), str(ActionType.MSL_REFERRAL))
DIGITAL_ACTIONS = (str(ActionType.EMAIL), str(ActionType.EVENT_INVITE))
#: context multiplier of an action a hub journey suggested for an HCP (it must outrank the HCP's usual best)
SUGGESTED_BOOST = 4.0


def hcp_value(hcp: Hcp) -> float:
    """Business value of a successful action with ``hcp``: segment weight × (0.5 + decile / 10)."""
    return SEGMENT_VALUE[hcp.segment] * (0.5 + hcp.decile / 10.0)


def urgency(frame: pd.DataFrame) -> np.ndarray:
    """Per HCP row of a feature frame: 1 + 0.3 × open share of the plan × (0.5 + quarter elapsed / 2)
    + 0.2 × min(days since last contact, 90) / 90."""
    planned = frame["plan_planned"].to_numpy()
    gap_share = np.where(planned > 0, frame["plan_gap"].to_numpy() / np.maximum(planned, 1.0), 0.0)
    elapsed = frame["quarter_elapsed"].to_numpy()
    since = np.nan_to_num(frame["days_since_contact"].to_numpy(), nan=90.0)
    return 1.0 + 0.3 * np.clip(gap_share, 0, 1) * (0.5 + 0.5 * elapsed) + 0.2 * np.minimum(since, 90.0) / 90.0


def context(frame: pd.DataFrame) -> np.ndarray:
    """Per HCP row: 1 + 0.2 when a follow-up is due within 3 days + 0.1 after engagement in 14 days."""
    due = frame["follow_up_due_in"].to_numpy()
    follow = np.where(np.isnan(due), 0.0, (due <= 3).astype(float))
    signal = frame["days_since_signal"].to_numpy()
    recent = np.where(np.isnan(signal), 0.0, (signal <= 14).astype(float))
    return 1.0 + 0.2 * follow + 0.1 * recent


def suggested_boost(hcp_pos: np.ndarray, actions: np.ndarray, suggested: Mapping[tuple[int, str], str]) -> np.ndarray:
    """Per candidate: :data:`SUGGESTED_BOOST` where (HCP position, action) was suggested by a journey, else 1."""
    out = np.ones(len(hcp_pos))
    if suggested:
        keys = zip(hcp_pos.tolist(), actions.tolist(), strict=True)
        out[[i for i, key in enumerate(keys) if key in suggested]] = SUGGESTED_BOOST
    return out


def best_per_hcp(hcp_pos: np.ndarray, priority: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Row index of the highest-priority allowed candidate of each HCP (HCPs with none are left out)."""
    rows = np.flatnonzero(allowed)
    if len(rows) == 0:
        return rows
    order = rows[np.lexsort((-priority[rows], hcp_pos[rows]))]
    first = np.ones(len(order), dtype=bool)
    first[1:] = hcp_pos[order][1:] != hcp_pos[order][:-1]
    return order[first]


def pick_with_capacity(cand: pd.DataFrame, capacity: Mapping[str, int], score: str = "priority") -> pd.DataFrame:
    """Greedy day plan: best allowed candidates by ``score``, one action per HCP, at most
    ``capacity['field']`` visits/remote meetings/MSL referrals and ``capacity['digital']``
    emails/invitations."""
    allowed = cand[cand["blocked_reason"] == ""].sort_values(score, ascending=False, kind="stable")
    left = {"field": int(capacity.get("field", 0)), "digital": int(capacity.get("digital", 0))}
    taken: set[int] = set()
    keep = []
    for row, pos, action in zip(allowed.index, allowed["hcp_pos"], allowed["action"], strict=True):
        group = "field" if action in FIELD_ACTIONS else "digital"
        if left[group] <= 0 or pos in taken:
            continue
        left[group] -= 1
        taken.add(pos)
        keep.append(row)
        if left["field"] <= 0 and left["digital"] <= 0:
            break
    return cand.loc[keep]
