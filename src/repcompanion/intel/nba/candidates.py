"""Candidate (HCP, action, content) pairs for a day, each with the model's input columns.

Every HCP gets a visit, a remote meeting and an MSL referral without content, a visit and a remote
meeting with the in-date approved item its engagement suggests, an approved email and an event
invitation. Content is chosen among the items the content rule allows, by the HCP's engagement
with the item's topics; when none is allowed the candidate stays, blocked with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from repcompanion.domain import ActionType, Hcp
from repcompanion.intel.nba.rules import ACTION_LABEL, content_fits_action
from repcompanion.intel.propensity.features import HcpFeatureTable
from repcompanion.intel.propensity.pairs import ContentCatalog, object_frame, pair_features, topic_scores

#: (action, with content?) candidate slots per HCP.
SLOTS: tuple[tuple[ActionType, bool], ...] = (
    (ActionType.VISIT, False),
    (ActionType.VISIT, True),
    (ActionType.REMOTE_MEETING, False),
    (ActionType.REMOTE_MEETING, True),
    (ActionType.EMAIL, True),
    (ActionType.EVENT_INVITE, True),
    (ActionType.MSL_REFERRAL, False),
)
REQUIRES_CONTENT = frozenset({ActionType.EMAIL, ActionType.EVENT_INVITE})


def eligible_content(catalog: ContentCatalog, action: ActionType, hcps: Sequence[Hcp], day: date) -> np.ndarray:
    """(n_hcps, C) bool: the content rule allows item c for ``action`` with HCP i on ``day``."""
    base = np.array([c.is_valid_on(day) and content_fits_action(c, action) for c in catalog.items], dtype=bool)
    specialties = np.array([h.specialty_code for h in hcps], dtype=object)
    out = np.zeros((len(hcps), len(catalog.items)), dtype=bool)
    for code in pd.unique(specialties):
        rows = specialties == code
        fits = np.array([c.is_for_specialty(code) for c in catalog.items], dtype=bool)
        out[rows] = base & fits
    return out


def build_candidates(
    table: HcpFeatureTable, hcps: Sequence[Hcp], catalog: ContentCatalog, topics: Sequence[str], positions: np.ndarray
) -> pd.DataFrame:
    """One row per (HCP, slot) with the model's features, ``content_idx`` (-1: none) and
    ``content_problem`` (why no content could be attached, '' otherwise)."""
    n = len(table.frame)
    open_lift, share = topic_scores(table)
    sel = [hcps[i] for i in positions]
    n_content = len(catalog.items)
    counts = np.maximum(catalog.topic_mask.sum(axis=1), 1)
    affinity = ((open_lift + share) @ catalog.topic_mask.T) / counts if n_content else np.zeros((n, 0))
    chosen: dict[ActionType, tuple[np.ndarray, np.ndarray]] = {}
    for action in (ActionType.VISIT, ActionType.REMOTE_MEETING, ActionType.EMAIL, ActionType.EVENT_INVITE):
        if n_content == 0:
            chosen[action] = (np.full(n, -1), np.zeros(n, dtype=bool))
            continue
        ok = eligible_content(catalog, action, sel, table.day)
        score = np.where(ok, affinity, -np.inf)
        best = score.argmax(axis=1)
        any_ok = np.asarray(ok.any(axis=1))
        chosen[action] = (np.where(any_ok, best, -1), any_ok)

    columns: dict[str, list[np.ndarray]] = {"hcp_pos": [], "local": [], "action": [], "content_idx": []}
    everyone = np.arange(n)
    for action, with_content in SLOTS:
        keep = everyone
        idx = np.full(n, -1, dtype=np.int64)
        if with_content:
            idx, found = chosen[action]
            if action not in REQUIRES_CONTENT:
                keep = np.flatnonzero(found)
        columns["hcp_pos"].append(np.asarray(positions)[keep])
        columns["local"].append(keep)
        columns["action"].append(np.full(len(keep), str(action), dtype=object))
        columns["content_idx"].append(np.asarray(idx)[keep])
    cand = object_frame({name: np.concatenate(parts) for name, parts in columns.items()})
    cand = pair_features(cand, table, hcps, catalog, topics, open_lift=open_lift, share=share)
    cand["content_problem"] = _content_problems(cand, hcps)
    return cand


def _content_problems(cand: pd.DataFrame, hcps: Sequence[Hcp]) -> np.ndarray:
    """Per candidate: why an email or invitation has no content ('' when it has, or needs none)."""
    action = cand["action"].to_numpy()
    problem = np.full(len(cand), "", dtype=object)
    missing = (cand["content_idx"].to_numpy() < 0) & (
        (action == str(ActionType.EMAIL)) | (action == str(ActionType.EVENT_INVITE))
    )
    if missing.any():
        labels = np.array([ACTION_LABEL[ActionType(a)] for a in action[missing]], dtype=object)
        specs = np.array(
            [hcps[p].specialty_label or hcps[p].specialty_code for p in cand["hcp_pos"].to_numpy()[missing]],
            dtype=object,
        )
        problem[missing] = "No approved, in-date content for this " + labels + " to " + specs
    return problem
