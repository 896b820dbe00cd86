"""Two years of engagement history: a historical rep policy acting on HCPs, responses drawn from the truth.

Vectorised over HCPs, stepped day by day so that fatigue and timing effects see exactly the history
before each day (the same quantities ``GroundTruth.logit`` computes from events).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from repcompanion.domain import ActionType, Channel, Content, EventType, Hcp, Product
from repcompanion.simulate.catalog import is_invitation
from repcompanion.simulate.consents import ConsentWindows
from repcompanion.simulate.truth import (
    ACTION_SPECS,
    BOOST_TAU_DAYS,
    RECENCY_TAU_DAYS,
    RECEPTIVITY_KEYS,
    TruthArrays,
    sigmoid,
    true_logit,
)
from repcompanion.simulate.vocab import CARDIOLOGY, ENDOCRINOLOGY, NEPHROLOGY, PRODUCTS, TOPICS

#: Event type codes used in the column arrays (index into this tuple).
EVENT_TYPES: tuple[EventType, ...] = tuple(EventType)
CHANNEL_CODES: tuple[Channel | None, ...] = (None, Channel.IN_PERSON, Channel.EMAIL, Channel.REMOTE_MEETING)
_T = {t: i for i, t in enumerate(EVENT_TYPES)}
_NEVER = -1.0e6
_IN_PERSON, _EMAIL, _REMOTE = 0, 1, 2  # consent window columns


@dataclass(slots=True)
class EventColumns:
    """Engagement history as parallel arrays, sorted by time; turned into records by the caller."""

    hcp: np.ndarray
    type: np.ndarray
    day: np.ndarray
    minute: np.ndarray
    channel: np.ndarray
    product: np.ndarray  # -1: none
    content: np.ndarray  # -1: none
    topics: np.ndarray  # index into topic_table
    quantity: np.ndarray
    probability: np.ndarray  # true probability at the time of a contact, NaN for other events
    topic_table: list[tuple[str, ...]]

    def __len__(self) -> int:
        return len(self.hcp)


class _Recorder:
    def __init__(self) -> None:
        self.chunks: list[tuple[np.ndarray, ...]] = []

    def add(self, hcp, etype, day, minute, channel, product, content, topics, quantity=None, prob=None) -> None:
        k = len(hcp)
        if k == 0:
            return
        full = np.full
        self.chunks.append(
            (
                np.asarray(hcp, np.int32),
                full(k, etype, np.int8),
                np.broadcast_to(np.asarray(day, np.int32), (k,)),
                np.asarray(minute, np.int16),
                full(k, channel, np.int8),
                np.broadcast_to(np.asarray(product, np.int8), (k,)),
                np.broadcast_to(np.asarray(content, np.int16), (k,)),
                np.broadcast_to(np.asarray(topics, np.int16), (k,)),
                full(k, 0, np.int8) if quantity is None else np.asarray(quantity, np.int8),
                full(k, np.nan, np.float32) if prob is None else np.asarray(prob, np.float32),
            )
        )

    def columns(self, topic_table: list[tuple[str, ...]]) -> EventColumns:
        cols = [np.concatenate([c[i] for c in self.chunks]) for i in range(10)]
        order = np.lexsort((cols[1], cols[0], cols[3], cols[2]))
        names = ("hcp", "type", "day", "minute", "channel", "product", "content", "topics", "quantity", "probability")
        return EventColumns(**{n: c[order] for n, c in zip(names, cols, strict=True)}, topic_table=topic_table)


def focus_products(rng: np.random.Generator, hcps: Sequence[Hcp]) -> np.ndarray:
    """The product a rep mostly details to each HCP (index into PRODUCTS), by specialty."""
    out = np.empty(len(hcps), dtype=np.int8)
    for i, h in enumerate(hcps):
        if h.specialty_code in CARDIOLOGY:
            out[i] = 0 if rng.random() < 0.8 else 2
        elif h.specialty_code in ENDOCRINOLOGY:
            out[i] = 1
        elif h.specialty_code in NEPHROLOGY:
            out[i] = 2
        else:
            out[i] = 0 if rng.random() < 0.55 else 1
    return out


def generate_history(
    rng: np.random.Generator,
    hcps: Sequence[Hcp],
    products: Sequence[Product],
    content: Sequence[Content],
    windows: ConsentWindows,
    truth: TruthArrays,
    start: date,
    days: int,
) -> EventColumns:
    """Step a plausible historical rep policy through ``days`` days from ``start``."""
    run = _HistoryRun(rng, hcps, products, content, windows, truth, start, days)
    for d in range(days):
        run.day(d)
    return run.rec.columns(run.topic_table)


class _HistoryRun:
    """The state of the world while the history is generated; ``day(d)`` advances it by one day."""

    def __init__(
        self,
        rng: np.random.Generator,
        hcps: Sequence[Hcp],
        products: Sequence[Product],
        content: Sequence[Content],
        windows: ConsentWindows,
        truth: TruthArrays,
        start: date,
        days: int,
    ) -> None:
        n = len(hcps)
        self.rng, self.n, self.truth, self.windows, self.days = rng, n, truth, windows, days
        self.topic_table: list[tuple[str, ...]] = [()]
        self._topic_key: dict[tuple[str, ...], int] = {(): 0}
        product_index = {p.id: i for i, p in enumerate(products)}
        self.samples = np.array([p.sample_limit_per_visit for p in products])
        self.emphasis = np.array([[self.key((t,)) for t in spec[5]] for spec in PRODUCTS])
        self.c_product = np.array([product_index[c.product_id] for c in content], dtype=np.int8)
        self.c_topics = np.array([self.key(c.topics) for c in content], dtype=np.int16)
        self.c_mask = np.array([[t in c.topics for t in TOPICS] for c in content], dtype=bool)
        self.c_from = np.array([(c.valid_from - start).days for c in content])
        self.c_to = np.array([(c.valid_to - start).days for c in content])
        self.c_invite = np.array([is_invitation(c) for c in content])
        self.c_channel = np.array([c.channel for c in content], dtype=object)
        spec_codes = sorted({h.specialty_code for h in hcps})
        self.h_spec = np.array([spec_codes.index(h.specialty_code) for h in hcps])
        self.audience = np.array(
            [[not c.audience_specialties or s in c.audience_specialties for s in spec_codes] for c in content],
            dtype=bool,
        )
        self.dnc = np.array([h.do_not_contact for h in hcps])
        self.target = np.array([h.target for h in hcps])
        planned = np.array([h.planned_visits for h in hcps], dtype=float)
        pref_remote = np.array([h.preferred_channel is Channel.REMOTE_MEETING for h in hcps])
        self.focus = focus_products(rng, hcps)
        self.p_visit = np.where(self.target, planned / 63.0, 0.008)
        self.p_remote = 0.01 + 0.03 * pref_remote
        self.web_rate = 0.02 * np.exp(0.6 * truth.interest.max(axis=1))
        self.rec_index = {k: i for i, k in enumerate(RECEPTIVITY_KEYS)}
        self.hour_minutes = truth.hour * 60
        self.contacts = np.zeros((n, days + 1), dtype=np.int16)
        self.last_topic = np.full((n, len(TOPICS)), _NEVER)
        self.last_signal = np.full(n, _NEVER)
        self.last_clinical_click = np.full(n, _NEVER)
        self.rec = _Recorder()
        self.start_weekday = start.weekday()
        self.relevant_default = {
            a: np.array([t in (s.default_topics or TOPICS) for t in TOPICS]) for a, s in ACTION_SPECS.items()
        }
        self.interest_default = {a: np.array([t in s.default_topics for t in TOPICS]) for a, s in ACTION_SPECS.items()}
        self.msl_topics = self.key(ACTION_SPECS[ActionType.MSL_REFERRAL].default_topics)
        self.clinical = TOPICS.index("clinical_data")

    def key(self, topics: tuple[str, ...]) -> int:
        if topics not in self._topic_key:
            self._topic_key[topics] = len(self.topic_table)
            self.topic_table.append(topics)
        return self._topic_key[topics]

    def allowed(self, channel: int) -> np.ndarray:
        return self.windows.allowed(self.d, channel) & ~self.dnc

    def probability(self, action: ActionType, rows: np.ndarray, cidx: np.ndarray) -> np.ndarray:
        """The truth's probability for ``rows`` taking ``action`` with content ``cidx`` (-1: none) today."""
        spec = ACTION_SPECS[action]
        has = (cidx >= 0)[:, None]
        content_mask = self.c_mask[np.maximum(cidx, 0)]
        relevant = np.where(has, content_mask, self.relevant_default[action][None, :])
        interest_mask = np.where(has, content_mask, self.interest_default[action][None, :])
        counts = interest_mask.sum(axis=1)
        interest = (self.truth.interest[rows] * interest_mask).sum(axis=1)
        topic_mean = np.where(counts > 0, interest / np.maximum(counts, 1), 0.0)
        last_rel = np.where(relevant, self.last_topic[rows], _NEVER).max(axis=1)
        z = true_logit(
            spec,
            self.truth.receptivity[rows, self.rec_index[spec.receptivity]],
            topic_mean,
            self.n7[rows],
            self.n30[rows],
            self.truth.fatigue[rows],
            np.exp(-(self.d - last_rel) / BOOST_TAU_DAYS),
            self.recency[rows],
            self.wd_match[rows],
        )
        return np.asarray(sigmoid(z))

    def pick(self, pool: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """A random content item from ``pool`` per row, -1 when it is not for that HCP's specialty."""
        if len(pool) == 0 or len(rows) == 0:
            return np.full(len(rows), -1)
        c = pool[self.rng.integers(len(pool), size=len(rows))]
        return np.where(self.audience[c, self.h_spec[rows]], c, -1)

    def day(self, d: int) -> None:
        rng, n = self.rng, self.n
        self.d = d
        weekday = (self.start_weekday + d) % 7
        web_today = rng.random(n) < self.web_rate * (1.0 if weekday < 5 else 0.3)
        self.signals: list[tuple[np.ndarray, np.ndarray]] = []
        if weekday < 5:
            self.n7 = self.contacts[:, max(0, d - 7) : d].sum(axis=1)
            self.n30 = self.contacts[:, max(0, d - 30) : d].sum(axis=1)
            self.recency = np.exp(-(d - self.last_signal) / RECENCY_TAU_DAYS)
            self.wd_match = (self.truth.weekday == weekday).astype(float)
            self.company_contacts(weekday)
        rows = np.flatnonzero(web_today)
        if len(rows):
            # HCP-initiated visits to the product website, on topics the HCP cares about
            gumbel = -np.log(-np.log(rng.random((len(rows), len(TOPICS)))))
            topic = np.argmax(self.truth.interest[rows] + gumbel, axis=1)
            tkeys = np.array([self.key((TOPICS[t],)) for t in topic])
            minute = rng.integers(360, 1380, len(rows))
            self.rec.add(rows, _T[EventType.WEB_VISIT], d, minute, 0, self.focus[rows], -1, tkeys)
            self.signals.append((rows, np.eye(len(TOPICS), dtype=bool)[topic]))
        for rows_, masks in self.signals:
            self.last_signal[rows_] = d
            self.last_topic[rows_] = np.where(masks, d, self.last_topic[rows_])

    def company_contacts(self, weekday: int) -> None:
        rng, n, d = self.rng, self.n, self.d
        valid = (self.c_from <= d) & (d <= self.c_to)
        f2f_pool = np.flatnonzero(valid & (self.c_channel == Channel.IN_PERSON))
        remote_pool = np.flatnonzero(valid & (self.c_channel != Channel.EMAIL) & ~self.c_invite)
        email_pool = np.flatnonzero(valid & (self.c_channel == Channel.EMAIL) & ~self.c_invite)
        invite_pool = np.flatnonzero(valid & self.c_invite)
        allowed_ip = self.allowed(_IN_PERSON)
        allowed_em = self.allowed(_EMAIL)

        rows = np.flatnonzero(allowed_ip & (rng.random(n) < self.p_visit))
        self.face_to_face(ActionType.VISIT, EventType.VISIT, 1, rows, f2f_pool)
        rows = np.flatnonzero(self.allowed(_REMOTE) & (rng.random(n) < self.p_remote))
        self.face_to_face(ActionType.REMOTE_MEETING, EventType.REMOTE_CALL, 3, rows, remote_pool)
        msl_p = 0.0015 + 0.06 * (d - self.last_clinical_click <= 14)
        rows = np.flatnonzero(allowed_ip & self.target & (rng.random(n) < msl_p))
        self.face_to_face(ActionType.MSL_REFERRAL, EventType.MSL_VISIT, 1, rows, np.array([], dtype=int))

        # emails: marketing campaigns on Tuesdays, Wednesdays and Thursdays, plus emails a rep sends
        cidx = np.full(n, -1)
        campaign = weekday in (1, 2, 3) and len(email_pool) > 0
        if campaign:
            chosen = email_pool[int(rng.integers(len(email_pool)))]
            cidx = np.where(self.audience[chosen, self.h_spec] & (rng.random(n) < 0.85), chosen, -1)
        rep_rows = np.flatnonzero(self.target & (rng.random(n) < 0.06) & (cidx < 0))
        cidx[rep_rows] = self.pick(email_pool, rep_rows)
        rows = np.flatnonzero(allowed_em & (cidx >= 0))
        if len(rows):
            self.emails(rows, cidx[rows], campaign)

        # event invitations every other week, attendance a week later
        if weekday == 2 and (d // 7) % 2 == 1 and len(invite_pool) and d + 7 < self.days:
            chosen = invite_pool[int(rng.integers(len(invite_pool)))]
            pick = allowed_em & self.target & self.audience[chosen, self.h_spec] & (rng.random(n) < 0.6)
            rows = np.flatnonzero(pick)
            p = self.probability(ActionType.EVENT_INVITE, rows, np.full(len(rows), chosen))
            came = rng.random(len(rows)) < p
            product, topics = self.c_product[chosen], self.c_topics[chosen]
            minute = rng.integers(540, 660, len(rows))
            self.rec.add(rows, _T[EventType.EVENT_INVITED], d, minute, 2, product, chosen, topics, prob=p)
            self.contacts[rows, d] += 1
            minute = rng.integers(1080, 1170, int(came.sum()))
            self.rec.add(rows[came], _T[EventType.EVENT_ATTENDED], d + 7, minute, 0, product, chosen, topics)

    def face_to_face(self, action: ActionType, etype: EventType, channel: int, rows: np.ndarray, pool) -> None:
        """Visits, remote meetings and MSL visits: held and productive ⇒ topics recorded, else none."""
        rng, d, k = self.rng, self.d, len(rows)
        if k == 0:
            return
        cidx = np.where(rng.random(k) < 0.5, self.pick(pool, rows), -1)
        p = self.probability(action, rows, cidx)
        ok = rng.random(k) < p
        minute = np.clip(self.hour_minutes[rows] + rng.normal(0, 50, k), 450, 1080).astype(int)
        has = cidx >= 0
        safe = np.maximum(cidx, 0)
        product = np.where(has, self.c_product[safe], self.focus[rows])
        if action is ActionType.MSL_REFERRAL:
            free = np.full(k, self.msl_topics)
        else:
            free = self.emphasis[product, rng.integers(0, self.emphasis.shape[1], k)]
        topics = np.where(ok, np.where(has, self.c_topics[safe], free), 0)
        self.rec.add(rows, _T[etype], d, minute, channel, product, cidx, topics, prob=p)
        self.contacts[rows, d] += 1
        if etype is EventType.VISIT:
            drop = ok & (self.samples[product] > 0) & (rng.random(k) < 0.6)
            qty = (rng.random(k) * self.samples[product]).astype(int) + 1
            t = _T[EventType.SAMPLE_DROP]
            self.rec.add(rows[drop], t, d, minute[drop] + 1, 1, product[drop], -1, 0, quantity=qty[drop])

    def emails(self, rows: np.ndarray, ci: np.ndarray, campaign: bool) -> None:
        """Send, then opens drawn from the truth; clicks and web visits follow interest in the topics."""
        rng, d = self.rng, self.d
        p = self.probability(ActionType.EMAIL, rows, ci)
        opened = rng.random(len(rows)) < p
        sent_min = rng.integers(420, 540, len(rows)) if campaign else rng.integers(600, 960, len(rows))
        prod, top = self.c_product, self.c_topics
        self.rec.add(rows, _T[EventType.EMAIL_SENT], d, sent_min, 2, prod[ci], ci, top[ci], prob=p)
        self.contacts[rows, d] += 1
        o = np.flatnonzero(opened)
        open_min = np.minimum(sent_min[o] + rng.integers(10, 600, len(o)), 1430)
        self.rec.add(rows[o], _T[EventType.EMAIL_OPENED], d, open_min, 2, prod[ci[o]], ci[o], top[ci[o]])
        mask = self.c_mask[ci[o]]
        interest = (self.truth.interest[rows[o]] * mask).sum(axis=1) / mask.sum(axis=1)
        clicked = rng.random(len(o)) < sigmoid(-1.0 + interest)
        k = o[clicked]
        click_min = np.minimum(open_min[clicked] + rng.integers(1, 30, len(k)), 1435)
        self.rec.add(rows[k], _T[EventType.EMAIL_CLICKED], d, click_min, 2, prod[ci[k]], ci[k], top[ci[k]])
        w = rng.random(len(k)) < 0.6
        kw = k[w]
        web_min = np.minimum(click_min[w] + 2, 1439)
        self.rec.add(rows[kw], _T[EventType.WEB_VISIT], d, web_min, 0, prod[ci[kw]], ci[kw], top[ci[kw]])
        self.signals.append((rows[o], mask))
        clin = k[self.c_mask[ci[k], self.clinical]]
        self.last_clinical_click[rows[clin]] = d
