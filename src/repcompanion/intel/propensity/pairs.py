"""The model's input columns for each (HCP, action, content) pair, from the HCPs' features on a day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repcompanion.domain import ACTION_CHANNEL, ActionType, Content, Hcp
from repcompanion.intel.propensity.features import HcpFeatureTable
from repcompanion.intel.territory.events import NEVER

WEB_PSEUDO = 2.0  # pseudo-visits per topic: with few website visits the topic shares stay near even
WEEKDAY_EFFECT = 0.5  # assumed log-odds lift of an HCP's best weekday (the model learns how much it matters)
#: Topics an MSL discusses when no content is attached.
MSL_TOPICS = ("clinical_data", "mechanism")

CATEGORICAL_FEATURES: tuple[str, ...] = ("action", "segment", "specialty", "channel_preference")
NUMERIC_FEATURES: tuple[str, ...] = (
    "decile",
    "channel_success_rate",
    "channel_tries",
    "weekday_posterior",
    "topic_open_lift",
    "topic_web_share",
    "topic_web_share_f2f",
    "has_content",
    "days_since_relevant_signal",
    "msl_days_since_relevant_signal",
    "days_since_signal",
    "contacts_7",
    "contacts_30",
    "contacts_30_usual",
    "contacts_30_vs_usual",
    "contacts_7_vs_usual",
    "days_since_visit",
    "days_since_email",
    "plan_gap",
    "quarter_elapsed",
    "open_follow_ups",
)
MODEL_FEATURES: tuple[str, ...] = CATEGORICAL_FEATURES + NUMERIC_FEATURES


@dataclass
class ContentCatalog:
    """Content items with their topic membership (C × T) over the event index's topic vocabulary."""

    items: list[Content]
    topic_mask: np.ndarray  # (C, T) bool over the event index's topic vocabulary

    @classmethod
    def build(cls, content: Sequence[Content], topics: Sequence[str]) -> ContentCatalog:
        items = list(content)
        mask = np.array([[t in c.topics for t in topics] for c in items], dtype=bool).reshape(len(items), len(topics))
        return cls(items, mask)


def topic_scores(table: HcpFeatureTable) -> tuple[np.ndarray, np.ndarray]:
    """Per HCP and topic: open-rate lift over the HCP's own rate (in log-odds, the scale on which
    interest adds up), and the log of the topic's share of the HCP's website views against an even
    share. Website views are the HCP's own choice of topic, unlike opens, which follow what was sent."""
    rate = np.clip(table.frame["email_open_rate"].to_numpy()[:, None], 0.01, 0.99)
    topic_rate = np.clip((table.topic_opened + 2.0 * rate) / (table.topic_sent + 2.0), 0.01, 0.99)
    open_lift = np.log(topic_rate / (1.0 - topic_rate)) - np.log(rate / (1.0 - rate))
    n_topics = max(table.topic_signals.shape[1], 1)
    visits = table.topic_signals
    share = np.log((visits + WEB_PSEUDO) / (visits.sum(axis=1, keepdims=True) + n_topics * WEB_PSEUDO) * n_topics)
    return open_lift, share


def weekday_posterior(tries: np.ndarray, successes: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """(n, 5): the probability that each working day is the HCP's best day for calls, from the calls'
    outcomes per weekday, if one day lifts the odds of a productive call by ``WEEKDAY_EFFECT`` (log-odds)
    and the others are alike (even prior over the days)."""
    days = tries.shape[1]
    base = np.log(np.clip(rate, 0.02, 0.98) / (1.0 - np.clip(rate, 0.02, 0.98))) - WEEKDAY_EFFECT / days
    p_lo = 1.0 / (1.0 + np.exp(-base))[:, None]
    p_hi = 1.0 / (1.0 + np.exp(-(base + WEEKDAY_EFFECT)))[:, None]
    llr = successes * np.log(p_hi / p_lo) + (tries - successes) * np.log((1.0 - p_hi) / (1.0 - p_lo))
    llr -= llr.max(axis=1, keepdims=True)
    weight = np.exp(llr)
    return weight / weight.sum(axis=1, keepdims=True)


def object_frame(columns: dict[str, np.ndarray], index: pd.Index | None = None) -> pd.DataFrame:
    """A DataFrame that keeps object (text) columns as object arrays (no string-dtype inference)."""
    return pd.DataFrame(
        {k: pd.Series(v, dtype=object, index=index) if v.dtype == object else v for k, v in columns.items()},
        index=index,
    )


def pair_features(
    cand: pd.DataFrame,
    table: HcpFeatureTable,
    hcps: Sequence[Hcp],
    catalog: ContentCatalog,
    topics: Sequence[str],
    *,
    open_lift: np.ndarray | None = None,
    share: np.ndarray | None = None,
) -> pd.DataFrame:
    """``cand`` (columns hcp_pos, local, action, content_idx) with the model's features added."""
    frame = table.frame
    out: dict[str, np.ndarray] = {}
    if open_lift is None or share is None:
        open_lift, share = topic_scores(table)
    n_content = len(catalog.items)
    msl_mask = np.array([t in MSL_TOPICS for t in topics], dtype=bool)
    weekday = table.day.weekday()
    f2f_rate = frame["f2f_success_rate"].to_numpy()
    wd_rates = (table.weekday_success[:, :5] + 2.0 * f2f_rate[:, None]) / (table.weekday_tries[:, :5] + 2.0)
    if weekday < 5:
        # today's face-to-face success rate against the HCP's other working days
        others = (wd_rates.sum(axis=1) - wd_rates[:, weekday]) / 4.0
        wd_lift = wd_rates[:, weekday] - others
        wd_best = (wd_rates.argmax(axis=1) == weekday).astype(np.float64)
        wd_post = weekday_posterior(table.weekday_tries[:, :5], table.weekday_success[:, :5], f2f_rate)[:, weekday]
    else:
        wd_lift = wd_best = np.zeros(len(f2f_rate))
        wd_post = np.full(len(f2f_rate), 1.0 / 5.0)
    local = cand["local"].to_numpy()
    cidx = cand["content_idx"].to_numpy()
    action = cand["action"].to_numpy()
    has = cidx >= 0
    n_topics = len(topics)
    cmask = catalog.topic_mask[np.maximum(cidx, 0)] if n_content else np.zeros((len(cand), n_topics), dtype=bool)
    cmask = cmask & has[:, None]
    is_msl = action == str(ActionType.MSL_REFERRAL)
    relevant = np.where(is_msl[:, None], msl_mask[None, :], cmask)
    # topic interest: the content's topics, or what an MSL discusses when no content is attached
    k = np.maximum(relevant.sum(axis=1), 1)
    with_topics = relevant.any(axis=1)
    out["has_content"] = has.astype(np.float64)
    out["topic_open_lift"] = np.where(with_topics, (open_lift[local] * relevant).sum(axis=1) / k, 0.0)
    out["topic_web_share"] = np.where(with_topics, (share[local] * relevant).sum(axis=1) / k, 0.0)
    views = table.topic_signals[local]
    out["web_views_on_topics"] = np.where(with_topics, (views * relevant).sum(axis=1), 0.0)
    out["web_views"] = views.sum(axis=1)
    ages = np.where(relevant, table.topic_signal_age[local], np.inf)
    ages = np.where(np.isnan(ages), np.inf, ages)
    rel_age = ages.min(axis=1) if n_topics else np.full(len(cand), np.inf)
    any_age = frame["days_since_signal"].to_numpy()[local]
    rel_age = np.where(relevant.any(axis=1), rel_age, any_age)
    rel_age = np.where(np.isinf(rel_age), NEVER, rel_age)
    out["days_since_relevant_signal"] = rel_age
    out["msl_days_since_relevant_signal"] = np.where(is_msl, rel_age, NEVER)
    hcp_pos = cand["hcp_pos"].to_numpy()
    preferred = np.array([hcps[p].preferred_channel for p in range(len(hcps))], dtype=object)[hcp_pos]
    action_channel = np.empty(len(action), dtype=object)
    for a, channel in ACTION_CHANNEL.items():
        action_channel[action == str(a)] = channel
    out["channel_preference"] = action.astype(object) + np.where(
        preferred == action_channel, ":preferred channel", ":other channel"
    )

    rate_col = {
        str(ActionType.VISIT): ("visit_success_rate", "visit_tries"),
        str(ActionType.REMOTE_MEETING): ("remote_success_rate", "remote_tries"),
        str(ActionType.MSL_REFERRAL): ("visit_success_rate", "visit_tries"),
        str(ActionType.EMAIL): ("email_open_rate", "emails_sent_365"),
        str(ActionType.EVENT_INVITE): ("event_attend_rate", "event_invites_730"),
    }
    rate = np.zeros(len(cand))
    tries = np.zeros(len(cand))
    for kind, (rcol, tcol) in rate_col.items():
        rows = action == kind
        rate[rows] = frame[rcol].to_numpy()[local[rows]]
        tries[rows] = frame[tcol].to_numpy()[local[rows]]
    out["channel_success_rate"] = rate
    out["channel_tries"] = tries
    f2f = (action == str(ActionType.VISIT)) | (action == str(ActionType.REMOTE_MEETING)) | is_msl
    out["weekday_lift"] = np.where(f2f, wd_lift[local], 0.0)
    out["weekday_best"] = np.where(f2f, wd_best[local], 0.0)
    # interest counts for calls with its own weight (a call covers a topic less than an email about it)
    out["topic_web_share_f2f"] = np.where(f2f, out["topic_web_share"], 0.0)
    # the even prior (1 in 5) for actions whose success does not depend on the weekday
    out["weekday_posterior"] = np.where(f2f, wd_post[local], 1.0 / 5.0)
    out["weekday_calls"] = table.weekday_tries[local, weekday]
    out["weekday_productive"] = table.weekday_success[local, weekday]
    for col in (
        "segment",
        "specialty",
        "decile",
        "days_since_signal",
        "contacts_7",
        "contacts_30",
        "contacts_30_usual",
        "contacts_30_vs_usual",
        "contacts_7_vs_usual",
        "days_since_visit",
        "days_since_email",
        "plan_gap",
        "quarter_elapsed",
        "open_follow_ups",
    ):
        out[col] = frame[col].to_numpy()[local]
    kept = cand.drop(columns=[c for c in out if c in cand.columns])
    return pd.concat([kept, object_frame(out, index=cand.index)], axis=1)
