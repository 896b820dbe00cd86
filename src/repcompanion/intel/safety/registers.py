"""Template sentences in the registers a rep's note mixes, for training the screener's sentence model.

PsyTAR is patients writing; a rep's note also carries a clinician's words ("a 58-year-old woman developed
hepatotoxicity two weeks after starting"), a patient's words relayed by staff, and a great deal of the rep's own
logistics, medical-information questions and idioms. These generators add each register on both sides of the
line: clinical and relayed events as positives (their event words drawn from the open vocabulary, so the model
sees the clinical words in an event frame), and disease context, logistics, questions and idioms as negatives.
The generator is deterministic (fixed seed); the templates were written for this project and hold no real notes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from repcompanion.intel.safety.augment import CONDITIONS, HCPS, PRODUCTS

STAFF = [
    "The nurse",
    "Nurse Kim",
    "The PA",
    "The MA",
    "The receptionist",
    "The office manager",
    "The pharmacist",
    "The practice nurse",
    "The front desk",
    "Her nurse",
    "His PA",
    "The charge nurse",
    "The NP",
]
CASES = [
    "a {a}-year-old woman",
    "a {a}-year-old man",
    "a {a}M",
    "a {a}F",
    "one patient",
    "a patient",
    "an elderly patient",
    "a {a}-year-old patient",
    "two patients",
    "a man in his {d}s",
    "a woman in her {d}s",
]
CLINICAL_TIMINGS = [
    "two weeks after starting {p}",
    "after the first dose",
    "on {p} 20 mg",
    "shortly after initiation",
    "within days of the dose increase",
    "three months into therapy",
    "after the second infusion",
    "while on {p}",
    "following the switch to {p}",
    "after {n} doses",
    "on day {n} of treatment",
]
CLINICAL_POSITIVE = [
    "{h} reported {case} developed {term} {w}.",
    "{h} described {term} in {case} {w}.",
    "{h}: {case} with {term} {w}, drug held.",
    "{h} noted {term} in {case} {w}; admitted for observation.",
    "{Term} occurred in {case} {w}, per {h}.",
    "{h} saw a case of {term} {w}.",
    "{h} thinks {p} caused {term} in {case}.",
    "{Case} presented with {term} {w}.",
    "{h} documented {term} {w} and stopped {p}.",
    "{h} attributed {term} in {case} to {p}.",
    "{P}-associated {term} in {case}, reported by {h}.",
    "{h} mentioned {term} in {case} {w}, now resolved.",
]
CLINICAL_NEGATIVE = [
    "{Case} with {c} was started on {p} by {h}.",
    "{h} has {n} patients with {c} on {p}.",
    "{h} asked about monitoring in patients with {c} before starting {p}.",
    "{h} treats {c} with {p} when first-line therapy fails.",
    "{h} sees a lot of {c} and wants the outcomes data for {p}.",
    "Baseline labs were normal before {h} started {case} on {p}.",
    "{h} reviewed the label section on {term} with me.",
    "{h} asked how often {term} was seen in the pivotal trial.",
    "The label lists {term} among the warnings for {p}; discussed fair balance.",
    "{h} asked whether {p} is safe in patients with a history of {c}.",
    "{h} said {case} with {c} is doing well on {p}.",
    "We discussed how {p} lowers the risk of {c} complications.",
]
LAY_TIMINGS = [
    "since starting the tablets",
    "since the new dose",
    "every morning since the switch",
    "after each injection",
    "since she went on {p}",
    "since the pharmacy changed her pills",
    "for a week now",
    "since last month's refill",
    "ever since the dose went up",
]
RELAYED_POSITIVE = [
    "{s} said a patient called to say she has {lay} {w}.",
    "{s} mentioned a patient complaining of {lay} {w}.",
    "{s} told me a patient keeps getting {lay} {w}.",
    "A patient told {s_lower} about {lay} {w}.",
    "{s} passed on that a patient's husband has had {lay} {w}.",
    "{s} said one of the patients rang about {lay} {w}.",
    "{s} relayed that a patient feels {lay} {w}.",
]
LEAVE = [
    "on holiday",
    "on leave",
    "at a conference",
    "in theatre",
    "on call at the hospital",
    "off sick",
    "in surgery",
    "at the hospital all day",
    "on paternity leave",
    "on maternity leave",
    "away until {m}",
]
REASONS = [
    "the regional meeting",
    "a staff training day",
    "the audit",
    "the EHR upgrade",
    "the bank holiday",
    "the snow",
    "a fire drill",
    "a power cut",
    "the practice meeting",
    "my car service",
    "the school run",
]
MATERIALS = [
    "the leave-behind",
    "the reprint",
    "the dosing card",
    "the patient leaflets",
    "the slide deck",
    "the formulary grid",
    "the co-pay cards",
    "the sign-up sheet",
    "the webinar flyer",
    "the storage card",
    "the updated PI",
    "the visual aid",
    "the demo pen",
    "the sample request forms",
]
LOGISTICS = [
    "{h} gave me {n} minutes between patients; we went through {mat}.",
    "{h} is {leave}; spoke to {h2} instead.",
    "Moved {d}'s call because of {r}.",
    "Clinic shut at noon for {r}.",
    "Handed {mat} to reception.",
    "{h} would like a catered lunch in {m}; provisional date the {n}th.",
    "Specialty pharmacy now turns scripts around in {n} days.",
    "{h} liked {mat}.",
    "Shipment of samples confirmed received by the practice.",
    "Brief chat only; {h} asked for {mat}.",
    "Sat in reception for {n} minutes before {h} was free.",
    "Roadworks on the bypass, so I was {n} minutes behind all day.",
    "{h} changed her clinic days; our visits move to {d}.",
    "{h} suggested I try again in {m}.",
    "Traded territory days with a colleague for {d}.",
    "New direct line and email for {h} saved in CRM.",
    "Room booked for the staff in-service, {d} at 12.",
    "{h} will discuss the paper at the department meeting in {m}.",
    "Met the practice's new receptionist.",
    "Counted the sample stock with the nurse and filled in the log.",
    "{h} had enough samples, none left today.",
    "Appointment cancelled by the practice; {h} was {leave}.",
    "Voicemail left for {h2} regarding {mat}.",
    "{h} would rather get updates by email.",
    "Five-minute drop-in with {mat}, no detailing.",
    "Reception wants another batch of {mat}.",
    "{h} countersigned the receipt for {n} packs of {p}.",
    "Admin day: mileage, expenses and CRM clean-up.",
    "{h} now works {d}s and alternate Fridays.",
    "The surgery joined the local primary care network in {m}.",
]
# The rep's own voice and plain mentions of patients that report nothing ("I left the patient leaflets").
REP_SUBJECTS = ["I", "I", "I", "We", "My manager and I", "She", "He", "{h}", "The nurse and I", "They"]
REP_VERBS = [
    "dropped off",
    "left",
    "booked",
    "picked up",
    "rescheduled",
    "missed",
    "forgot",
    "brought",
    "sent over",
    "printed",
    "ordered",
    "chased",
    "confirmed",
    "cancelled",
    "signed",
    "checked",
    "updated",
    "reviewed",
    "handed over",
    "set up",
    "followed up on",
    "asked for",
    "explained",
    "showed",
]
REP_OBJECTS = [
    "the patient leaflets",
    "the patient app demo",
    "the patient support programme forms",
    "my laptop",
    "the patient savings cards",
    "my car keys at reception",
    "the patient education posters",
    "the patient registry details",
    "my last call notes",
    "the patient starter kits",
    "my business cards",
    "the patient diaries",
    "the visit for {d}",
    "the sample receipts",
    "the lunch order",
    "the webinar link",
    "the prior auth checklist",
    "the formulary letter",
    "the speaker slides",
    "the patient numbers for Q3",
    "her contact details",
    "his preferred visit times",
    "their stock count",
    "the new patient portal",
    "the meeting room",
    "my expense report",
    "the journal club invite",
    "the hub enrolment form",
]
REP_TAILS = [
    "",
    "",
    "",
    " for {h}",
    " on {d}",
    " before clinic",
    " after lunch",
    " with the practice manager",
    " as promised",
    " again",
    " by email",
    " at the front desk",
    " for next month",
    " in {m}",
]
QUESTIONS = [
    "is safe in pregnancy",
    "can be used in children",
    "can be crushed",
    "can be taken with food",
    "interacts with warfarin",
    "should be stopped before surgery",
    "is safe while breastfeeding",
    "needs a dose change in renal impairment",
    "is licensed for adolescents",
    "can be split",
    "has any reports of counterfeit packs",
    "causes weight gain in the trials",
    "has abuse potential",
    "needs tapering when stopped",
    "can be stored out of the fridge",
    "should be managed after an overdose",
]
MEDINFO = [
    "{h} asked whether {p} {q}; raised an MIR.",
    "{h} wanted to know if {p} {q}; referred to medical information.",
    "Question from {h}: whether {p} {q}. Showed the label section.",
    "{s} asked what to do if a patient misses a dose of {p}.",
    "{s} wanted the quality hotline number for the notice board.",
    "{h} wanted the list of frequent adverse reactions for {p}; showed the label table.",
    "{h} asked about data in adolescents; I cannot discuss off-label use and sent an MIR.",
    "{h} asked if {p} {q}; offered an MSL call.",
]
IDIOMS = [
    "Chasing the insurer for the appeal has been a headache for the whole team.",
    "The rota change turned the practice into a nightmare to book.",
    "{h} said the new audit rules make her blood boil.",
    "Moving the clinic to the new site was a total nightmare for staff.",
    "The car park barrier is a pain in the backside.",
    "Our new launch campaign is killing it in the north.",
    "{h} can't wait to see the subgroup results.",
    "The receptionist is sick and tired of cold calls.",
    "{h} is allergic to jargon, keep it plain.",
    "The scanner keeps choking on the consent forms.",
    "The projector died just before the lunch talk.",
    "The booking website is not working, so I rang instead.",
    "{h} is not working {d}s this term.",
    "Losing the tender was a bitter pill for the account team.",
    "The guideline update is a shot in the arm for the category.",
    "{h} is itching for the long-term data.",
    "Competitors are bleeding market share in the region.",
    "Shook hands with the new medical director.",
    "The practice manager is drowning in paperwork this month.",
    "Rebates are a sore subject with the buyer.",
    "{h} said she is dead on her feet after the flu clinic.",
    "The joint meeting fell through again.",
    "Stopped in at the hospital pharmacy on the way back.",
    "Getting the lunch approved was a real pain for me.",
    "Sales rebound expected once the new tier takes effect.",
    "The app crashed during the demo, so I used the paper aid.",
]


def _pick(rng: random.Random, items: Sequence[str]) -> str:
    return items[rng.randrange(len(items))]


def _fill(template: str, rng: random.Random, term: str = "", lay: str = "") -> str:
    product = _pick(rng, PRODUCTS)
    staff = _pick(rng, STAFF)
    values = {
        "h": _pick(rng, HCPS),
        "h2": _pick(rng, HCPS),
        "p": product,
        "P": product[:1].upper() + product[1:],
        "c": _pick(rng, CONDITIONS),
        "s": staff,
        "s_lower": staff[:1].lower() + staff[1:],
        "term": term,
        "Term": term[:1].upper() + term[1:],
        "lay": lay,
        "n": str(rng.randint(2, 30)),
        "a": str(rng.randint(19, 88)),
        "d": _pick(rng, ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]),
        "m": _pick(rng, ["March", "April", "May", "June", "September", "October", "November"]),
        "mat": _pick(rng, MATERIALS),
        "r": _pick(rng, REASONS),
        "q": _pick(rng, QUESTIONS),
    }
    values["leave"] = _pick(rng, LEAVE).format(**values)
    values["case"] = _pick(rng, CASES).format(a=values["a"], d=rng.choice(["fifti", "sixti", "seventi"]))
    values["Case"] = values["case"][:1].upper() + values["case"][1:]
    timings = LAY_TIMINGS if lay else CLINICAL_TIMINGS
    values["w"] = _pick(rng, timings).format(**values)
    text = template.format(**values)
    return text[:1].upper() + text[1:]


def register_sentences(
    clinical_terms: Sequence[str], lay_terms: Sequence[str], count: int = 4000, seed: int = 20260730
) -> list[tuple[str, bool]]:
    """About `count` sentences: a third clinical (half events, half context), a sixth relayed patients' words,
    the rest logistics, medical-information questions and idioms (all negative)."""
    rng = random.Random(seed)
    items: list[tuple[str, bool]] = []
    third, sixth = count // 3, count // 6
    for index in range(third):
        term = _pick(rng, clinical_terms).lower()
        if index % 2 == 0:
            items.append((_fill(_pick(rng, CLINICAL_POSITIVE), rng, term=term), True))
        else:
            items.append((_fill(_pick(rng, CLINICAL_NEGATIVE), rng, term=term), False))
    for _ in range(sixth):
        lay = _pick(rng, lay_terms).lower()
        items.append((_fill(_pick(rng, RELAYED_POSITIVE), rng, lay=lay), True))
    for index in range(count - third - sixth):
        if index % 5 == 4:
            template = (
                f"{_pick(rng, REP_SUBJECTS)} {_pick(rng, REP_VERBS)} {_pick(rng, REP_OBJECTS)}{_pick(rng, REP_TAILS)}."
            )
        else:
            template = _pick(rng, (LOGISTICS, LOGISTICS, MEDINFO, IDIOMS)[index % 4])
        items.append((_fill(template, rng), False))
    rng.shuffle(items)
    return items
