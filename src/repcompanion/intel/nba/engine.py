"""The next-best-action engine: the one object the Workspace asks for ranked suggestions.

It holds the territory's data (plain records; events indexed once), scores every candidate
(HCP, action, content) with the additive model, applies the rules, arbitrates one best action per
HCP and explains it. A day's work is cached; :meth:`Engine.rerank` recomputes only the HCPs a new
visit, event, consent or feedback touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from repcompanion.domain import (
    ACTION_EVENT,
    ActionType,
    Consent,
    ContentId,
    EngagementEvent,
    EventId,
    FeedbackKind,
    HcpId,
    ModelError,
    NotFoundError,
    Reason,
    Suggestion,
    SuggestionFeedback,
    SuggestionId,
)
from repcompanion.intel.nba.arbitration import (
    best_per_hcp,
    context,
    hcp_value,
    suggested_boost,
    urgency,
)
from repcompanion.intel.nba.candidates import build_candidates
from repcompanion.intel.nba.explain import ReasonWriter, article, reason_features
from repcompanion.intel.nba.rules import (
    ACTION_LABEL,
    RULES_VERSION,
    ConsentBook,
    RuleConfig,
    RuleContext,
    cap_counts,
    check_candidates,
    feedback_blocks,
    sample_problem,
)
from repcompanion.intel.propensity.bundle import ModelBundle, default_model_path, load_model
from repcompanion.intel.propensity.compiled import sigmoid
from repcompanion.intel.propensity.features import HcpFeatureTable, hcp_features
from repcompanion.intel.propensity.pairs import MODEL_FEATURES, ContentCatalog
from repcompanion.intel.territory.events import EventIndex
from repcompanion.intel.territory.inputs import FollowUp, IntelInputs


@dataclass
class _Day:
    """Everything computed for one day; rows of ``cand`` align with rows of ``contrib``."""

    day: date
    table: HcpFeatureTable
    consent: dict
    caps: dict
    cand: pd.DataFrame
    contrib: np.ndarray
    suggestions: dict[int, Suggestion]
    ranked: dict[int, Suggestion] = field(default_factory=dict)  # the last ranked copies, reused when unchanged


class Engine:
    """Ranked, explained next-best actions for one territory.

    ``Engine(inputs, bundle=None)`` loads the default model when no bundle is given.
    ``include_today`` (the default, for live use) lets the events already logged on the ranked day
    count in features, caps and call-plan progress, so logging a visit changes today's ranking at
    once; simulations that score a day before it happens pass False (events before the day only,
    as in training).
    """

    def __init__(
        self,
        inputs: IntelInputs,
        bundle: ModelBundle | None = None,
        *,
        config: RuleConfig | None = None,
        include_today: bool = True,
    ) -> None:
        self.include_today = include_today
        self.bundle = bundle if bundle is not None else load_model(default_model_path())
        if self.bundle.kind != "propensity":
            raise ModelError(
                f"model {self.bundle.version} is a {self.bundle.kind} model, not a propensity model",
                hint="Use the propensity model shipped in models/ or one published by your hub.",
            )
        self.model = self.bundle.estimator
        self._model_inputs = [str(c) for c in getattr(self.model, "feature_names_in_", MODEL_FEATURES)]
        self.config = config or RuleConfig()
        self.hcps = list(inputs.hcps)
        self._pos = {str(h.id): i for i, h in enumerate(self.hcps)}
        topics = sorted({t for c in inputs.content for t in c.topics})
        self.index = EventIndex([h.id for h in self.hcps], inputs.events, topics=topics)
        self.catalog = ContentCatalog.build(inputs.content, self.index.topics)
        self.consents: list[Consent] = list(inputs.consents)
        self._consent_book = ConsentBook([h.id for h in self.hcps], self.consents)
        self.call_plans = list(inputs.call_plans)
        self.follow_ups: list[FollowUp] = inputs.follow_up_records()
        #: (HCP position, action) → the journey's reason, for actions the hub suggested
        self.suggested: dict[tuple[int, str], str] = {
            (self._pos[str(h)], str(ActionType(a))): reason
            for h, a, reason in inputs.suggested_actions
            if str(h) in self._pos
        }
        self.feedback: list[SuggestionFeedback] = []
        self.default_day = inputs.day or date.today()
        self._value = np.array([hcp_value(h) for h in self.hcps])
        self._samples = np.array([sample_problem(h) for h in self.hcps], dtype=object)
        self._state: _Day | None = None
        self._synthetic = 0
        self.record_feedback(inputs.feedback)

    # -- public API ---------------------------------------------------------------------------

    def rank(self, day: date | None = None, *, top: int | None = None) -> list[Suggestion]:
        """One explained suggestion per HCP that has an allowed action, best first (rank 1)."""
        state = self._day(day or self.default_day)
        order = self._order(state)
        out = []
        for r, p in enumerate((order[:top] if top else order).tolist(), start=1):
            s = state.ranked.get(p)
            if s is None or s.rank != r:
                s = replace(state.suggestions[p], rank=r)
                state.ranked[p] = s
            out.append(s)
        return out

    def suggestion_for(self, hcp_id: str, day: date | None = None) -> Suggestion | None:
        """The current suggestion for one HCP (None when every action is blocked)."""
        p = self._position(hcp_id)
        state = self._day(day or self.default_day)
        order = self._order(state)
        if p not in state.suggestions:
            return None
        return replace(state.suggestions[p], rank=int(np.flatnonzero(order == p)[0]) + 1)

    def blocked_for(self, hcp_id: str, day: date | None = None) -> dict[str, str]:
        """Every blocked candidate of one HCP: 'action' or 'action:content' → the rule's reason."""
        p = self._position(hcp_id)
        cand = self._day(day or self.default_day).cand
        rows = cand[(cand["hcp_pos"] == p) & (cand["blocked_reason"] != "")]
        return self._blocked_dict(rows)

    def candidates(self, day: date | None = None) -> pd.DataFrame:
        """All scored candidates: hcp_id, action, content_id, probability, logit, priority, blocked_reason."""
        state = self._day(day or self.default_day)
        cand = state.cand
        content_ids = np.array([str(c.id) for c in self.catalog.items] + [""], dtype=object)
        return pd.DataFrame(
            {
                "hcp_id": [str(self.hcps[p].id) for p in cand["hcp_pos"]],
                "hcp_pos": cand["hcp_pos"].to_numpy(),
                "action": cand["action"].to_numpy(),
                "content_id": content_ids[cand["content_idx"].to_numpy()],
                "probability": cand["probability"].to_numpy(),
                "logit": cand["logit"].to_numpy(),
                "value": cand["value"].to_numpy(),
                "priority": cand["priority"].to_numpy(),
                "blocked_reason": cand["blocked_reason"].to_numpy(),
            }
        )

    def record_feedback(self, feedback: Iterable[SuggestionFeedback]) -> list[str]:
        """Apply feedback at once (dismissed/snoozed block, completed counts as done); return changed HCP ids."""
        changed: list[str] = []
        events = []
        for fb in feedback:
            self._position(fb.hcp_id)
            self.feedback.append(fb)
            changed.append(str(fb.hcp_id))
            if fb.kind is FeedbackKind.COMPLETED:
                self._synthetic += 1
                events.append(
                    EngagementEvent(EventId(f"feedback-{self._synthetic}"), fb.hcp_id, ACTION_EVENT[fb.action], fb.at)
                )
        if events:
            self.index.add(events)
        return changed

    def rerank(
        self,
        changed_hcp_ids: Iterable[str] = (),
        day: date | None = None,
        *,
        events: Sequence[EngagementEvent] | pd.DataFrame = (),
        feedback: Sequence[SuggestionFeedback] = (),
        consents: Sequence[Consent] = (),
        follow_ups: Sequence[FollowUp] | None = None,
    ) -> list[Suggestion]:
        """Take in new events, feedback, consents (appended) or follow-ups (replacing all) and
        recompute only the HCPs they concern plus ``changed_hcp_ids``; return the new ranking."""
        changed = {str(h) for h in changed_hcp_ids}
        if len(events):
            changed.update(str(self.hcps[p].id) for p in self.index.add(events))
        changed.update(self.record_feedback(feedback))
        if consents:
            self.consents.extend(consents)
            self._consent_book = ConsentBook([h.id for h in self.hcps], self.consents)
            changed.update(str(c.hcp_id) for c in consents)
        if follow_ups is not None:
            changed.update(str(f.hcp_id) for f in self.follow_ups)
            self.follow_ups = list(follow_ups)
            changed.update(str(f.hcp_id) for f in self.follow_ups)
        day = day or self.default_day
        if self._state is not None and self._state.day == day and changed:
            self._refresh(np.array(sorted(self._position(h) for h in changed)))
        return self.rank(day)

    # -- computing a day ----------------------------------------------------------------------

    def _position(self, hcp_id: str) -> int:
        try:
            return self._pos[str(hcp_id)]
        except KeyError:
            raise NotFoundError(f"HCP {hcp_id} is not in this territory") from None

    def _day(self, day: date) -> _Day:
        if self._state is None or self._state.day != day:
            self._state = self._compute(day, np.arange(len(self.hcps)))
        return self._state

    def _compute(self, day: date, positions: np.ndarray, base: _Day | None = None) -> _Day:
        subset = base is not None
        table = hcp_features(
            self.index,
            self.hcps,
            day,
            positions=positions if subset else None,
            call_plans=self.call_plans,
            follow_ups=self.follow_ups,
            priors=base.table.priors if base is not None else None,
            include_today=self.include_today,
        )
        consent_sub = self._consent_book.problems(day, positions if subset else None)
        local = np.full(len(self.hcps), -1, dtype=np.int64)
        local[positions] = np.arange(len(positions))
        events = self.index.rows_for(positions if subset else None)
        caps_sub = cap_counts(events, local, len(positions), day, self.config)
        if base is not None:
            consent = {ch: base.consent[ch].copy() for ch in base.consent}
            caps = {a: base.caps[a].copy() for a in base.caps}
            for ch in consent:
                consent[ch][positions] = consent_sub[ch]
            for a in caps:
                caps[a][positions] = caps_sub[a]
        else:
            consent, caps = consent_sub, caps_sub
        cand = build_candidates(table, self.hcps, self.catalog, self.index.topics, positions)
        intercept, contrib = self.model.contribution_matrix(cand[self._model_inputs])
        logit = intercept + contrib.sum(axis=1)
        cand["logit"] = logit
        cand["probability"] = sigmoid(logit)
        dismissed, snoozed = feedback_blocks(self.feedback, day, self.config)
        ctx = RuleContext(day, self.hcps, consent, caps, dismissed, snoozed, self.config)
        cand["blocked_reason"] = check_candidates(
            ctx, cand["hcp_pos"].to_numpy(), cand["action"].to_numpy(), cand["content_problem"].to_numpy()
        )
        local_rows = cand["local"].to_numpy()
        cand["value"] = self._value[cand["hcp_pos"].to_numpy()]
        cand["urgency"] = urgency(table.frame)[local_rows]
        cand["context"] = context(table.frame)[local_rows] * suggested_boost(
            cand["hcp_pos"].to_numpy(), cand["action"].to_numpy(), self.suggested
        )
        cand["priority"] = cand["probability"] * cand["value"] * cand["urgency"] * cand["context"]
        cand["local"] = cand["hcp_pos"]
        if base is not None:
            keep = ~np.isin(base.cand["hcp_pos"].to_numpy(), positions)
            frame = base.table.frame.copy()
            for col in frame.columns:
                values = frame[col].to_numpy().copy()
                values[positions] = table.frame[col].to_numpy()
                frame[col] = values
            merged = HcpFeatureTable(
                day,
                frame,
                **{
                    f: self._merge_rows(getattr(base.table, f), getattr(table, f), positions)
                    for f in (
                        "topic_signal_age",
                        "topic_signals",
                        "topic_sent",
                        "topic_opened",
                        "weekday_tries",
                        "weekday_success",
                    )
                },
                priors=base.table.priors,
            )
            state = _Day(
                day,
                merged,
                consent,
                caps,
                pd.concat([base.cand[keep], cand], ignore_index=True),
                np.vstack([base.contrib[keep], contrib]),
                dict(base.suggestions),
                dict(base.ranked),
            )
        else:
            state = _Day(day, table, consent, caps, cand, contrib, {})
        self._explain(state, positions)
        return state

    @staticmethod
    def _merge_rows(old: np.ndarray, new: np.ndarray, positions: np.ndarray) -> np.ndarray:
        out = old.copy()
        out[positions] = new
        return out

    def _refresh(self, positions: np.ndarray) -> None:
        assert self._state is not None  # only called for a day already computed
        self._state = self._compute(self._state.day, positions, base=self._state)

    def _order(self, state: _Day) -> np.ndarray:
        positions = np.fromiter(state.suggestions.keys(), dtype=np.int64, count=len(state.suggestions))
        priority = np.array([state.suggestions[p].priority for p in positions])
        return positions[np.lexsort((positions, -priority))]

    # -- explanations -------------------------------------------------------------------------

    def _blocked_dict(self, rows: pd.DataFrame) -> dict[str, str]:
        out: dict[str, str] = {}
        for action, cidx, reason in zip(rows["action"], rows["content_idx"], rows["blocked_reason"], strict=True):
            key = action if cidx < 0 else f"{action}:{self.catalog.items[cidx].id}"
            out.setdefault(key, reason)
        return out

    def _explain(self, state: _Day, positions: np.ndarray) -> None:
        """(Re)build the suggestions of the HCPs at ``positions``."""
        cand = state.cand
        cols = {c: cand[c].to_numpy() for c in cand.columns}
        hcp_pos, actions, priority = cols["hcp_pos"], cols["action"], cols["priority"]
        full = len(positions) >= len(self.hcps)
        mine = np.ones(len(cand), dtype=bool) if full else np.isin(hcp_pos, positions)
        blocked = cols["blocked_reason"] != ""
        allowed = ~blocked & mine
        best = best_per_hcp(hcp_pos, priority, allowed)
        best_action = np.full(len(self.hcps), "", dtype=object)
        best_action[hcp_pos[best]] = actions[best]
        second_rows = best_per_hcp(hcp_pos, priority, allowed & (best_action[hcp_pos] != actions))
        second = np.full(len(self.hcps), -1, dtype=np.int64)
        second[hcp_pos[second_rows]] = second_rows
        for p in positions.tolist():
            state.suggestions.pop(p, None)
            state.ranked.pop(p, None)
        if len(best) == 0:
            return
        best_pos = hcp_pos[best]
        after = self._priority_after_visit(state, mine, cols)[best_pos]
        others = np.sort(np.concatenate([[s.priority for s in state.suggestions.values()], priority[best]]))
        n = len(others)
        now = priority[best]
        rank_now = n - np.searchsorted(others, now, side="right") + 1
        rank_after = n - np.searchsorted(others, np.nan_to_num(after, nan=-1.0), side="right") + 1
        rank_after -= (now > after).astype(np.int64)  # the HCP's own current priority no longer counts
        final_rank = np.zeros(len(best), dtype=np.int64)
        if full:
            final_rank[np.lexsort((best_pos, -now))] = np.arange(1, len(best) + 1)

        blocked_by_hcp: dict[int, dict[str, str]] = {}
        rows = np.flatnonzero(blocked & mine)
        content_ids = [str(c.id) for c in self.catalog.items]
        for p, action, cidx, reason in zip(
            hcp_pos[rows].tolist(),
            actions[rows].tolist(),
            cols["content_idx"][rows].tolist(),
            cols["blocked_reason"][rows].tolist(),
            strict=True,
        ):
            key = action if cidx < 0 else f"{action}:{content_ids[cidx]}"
            blocked_by_hcp.setdefault(p, {}).setdefault(key, reason)
        features = self.model.feature_names_out_()
        intercept = float(self.model.intercept_)
        hcols = {c: state.table.frame[c].to_numpy() for c in state.table.frame.columns}
        weekday = state.day.weekday()
        model_version, day, day_text = self.bundle.version, state.day, state.day.isoformat()
        contrib_best = state.contrib[best]
        chosen = reason_features(contrib_best)
        gap_text = np.where(cols["plan_gap"][best] > 0, "close the call-plan gap by one and ", "")
        rule_reasons = self._rule_reasons(best_pos, actions[best], hcols, state)
        describe_row = ReasonWriter(features, cols, hcols, self.hcps, self.catalog.items, weekday)
        rows_best = zip(
            best.tolist(), best_pos.tolist(), actions[best].tolist(), cols["content_idx"][best].tolist(), strict=True
        )
        for k, (r, p, action_value, cidx) in enumerate(rows_best):
            hcp = self.hcps[p]
            action = ActionType(action_value)
            contrib = contrib_best[k]
            change = [
                f"Logging a visit would {gap_text[k]}move this HCP from rank {rank_now[k]} to about {rank_after[k]}"
                if not np.isnan(after[k])
                else f"Logging a visit would {gap_text[k]}leave no allowed action for this HCP today"
            ]
            alt = second[p]
            if alt >= 0:
                change.append(
                    f"Dismissing it would bring up {article(ACTION_LABEL[ActionType(actions[alt])])} instead "
                    f"(priority {priority[alt]:.2f} vs {priority[r]:.2f})"
                )
            suggestion = Suggestion(
                id=SuggestionId(f"{hcp.id}:{day_text}:{action_value}"),
                hcp_id=HcpId(hcp.id),
                day=day,
                action=action,
                priority=float(priority[r]),
                probability=float(cols["probability"][r]),
                logit=float(cols["logit"][r]),
                intercept=intercept,
                contributions=dict(zip(features, contrib.tolist(), strict=True)),
                value=float(cols["value"][r]),
                urgency=float(cols["urgency"][r]),
                context=float(cols["context"][r]),
                reasons=self._journey_reasons(p, action_value) + describe_row(r, p, cidx, chosen[k], contrib),
                rule_reasons=rule_reasons[k],
                blocked=blocked_by_hcp.get(p, {}),
                content_id=ContentId(content_ids[cidx]) if cidx >= 0 else None,
                what_would_change=tuple(change),
                model_version=model_version,
                rules_version=RULES_VERSION,
                rank=int(final_rank[k]),
            )
            state.suggestions[p] = suggestion
            if full:
                state.ranked[p] = suggestion

    def _journey_reasons(self, p: int, action: str) -> tuple[Reason, ...]:
        reason = self.suggested.get((p, action))
        return (Reason(reason, feature="journey"),) if reason else ()

    def _rule_reasons(
        self, positions: np.ndarray, actions: np.ndarray, hcols: dict[str, np.ndarray], state: _Day
    ) -> list[tuple[str, ...]]:
        """The rule reasons of each (HCP position, action): call-plan progress, cap use, consent, samples."""
        done = hcols["plan_done"][positions].astype(np.int64).tolist()
        planned = hcols["plan_planned"][positions].astype(np.int64).tolist()
        used = {a: state.caps[a][positions].tolist() for a in state.caps}
        out = []
        for k, (p, value) in enumerate(zip(positions.tolist(), actions.tolist(), strict=True)):
            action = ActionType(value)
            reasons = [f"{done[k]} of {planned[k]} planned visits this quarter"]
            cap = self.config.caps.get(action)
            if cap is not None:
                reasons.append(
                    f"{used[action][k]} of at most {cap.limit} {ACTION_LABEL[action]}(s) in the last {cap.days} days"
                )
            reasons.append(f"Consent for {ACTION_LABEL[action]} on file and in date")
            if action is ActionType.VISIT:
                reasons.append(self._samples[p] or "Samples allowed: prescriber with an NPI on file")
            out.append(tuple(reasons))
        return out

    def _priority_after_visit(self, state: _Day, mine: np.ndarray, cols: dict[str, np.ndarray]) -> np.ndarray:
        """Per HCP position: the best allowed priority if a visit were logged with the HCP today (NaN: none).

        The logit moves by the change of the visit-dependent contributions only (the model is
        additive), the visit cap counts one more visit and urgency sees the closed plan gap."""
        rows = np.flatnonzero(mine & (cols["blocked_reason"] == ""))
        pos = cols["hcp_pos"][rows]
        features = self.model.feature_names_out_()
        days_since = 0.0 if self.include_today else 1.0
        changed = {
            "contacts_7": cols["contacts_7"][rows] + 1,
            "contacts_30": cols["contacts_30"][rows] + 1,
            "days_since_visit": np.full(len(rows), days_since),
            "plan_gap": np.maximum(cols["plan_gap"][rows] - 1, 0),
        }
        logit = cols["logit"][rows].copy()
        for name, values in changed.items():
            if name in features:
                j = features.index(name)
                logit += self.model.column_contribution(name, values) - state.contrib[rows, j]
        frame = state.table.frame
        hcp_after = pd.DataFrame(
            {
                "plan_planned": frame["plan_planned"].to_numpy()[pos],
                "plan_gap": np.maximum(frame["plan_gap"].to_numpy()[pos] - 1, 0),
                "quarter_elapsed": frame["quarter_elapsed"].to_numpy()[pos],
                "days_since_contact": np.full(len(rows), days_since),
            }
        )
        priority = sigmoid(logit) * cols["value"][rows] * urgency(hcp_after) * cols["context"][rows]
        cap = self.config.caps.get(ActionType.VISIT)
        ok = np.ones(len(rows), dtype=bool)
        if cap is not None:
            is_visit = cols["action"][rows] == str(ActionType.VISIT)
            ok &= ~(is_visit & (state.caps[ActionType.VISIT][pos] + 1 >= cap.limit))
        out = np.full(len(self.hcps), np.nan)
        top = best_per_hcp(pos, priority, ok)
        out[pos[top]] = priority[top]
        return out
