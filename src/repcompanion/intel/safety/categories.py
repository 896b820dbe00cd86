"""The reportable categories the note screener can assign, their families and where each family is sent."""

from __future__ import annotations

# Adverse events (pharmacovigilance), including lack of efficacy, overdose, abuse and withdrawal.
ADVERSE_EVENT = "adverse_event"
WITHDRAWAL = "withdrawal"
LACK_OF_EFFICACY = "lack_of_efficacy"
OVERDOSE = "overdose"
MISUSE = "misuse"  # abuse or misuse
# Special situations (pharmacovigilance), reportable even without an adverse event.
MEDICATION_ERROR = "medication_error"
PREGNANCY_EXPOSURE = "pregnancy_exposure"
BREASTFEEDING_EXPOSURE = "breastfeeding_exposure"
PAEDIATRIC_USE = "paediatric_use"
OFF_LABEL_USE = "off_label_use"
# Product-quality complaints (the quality unit); PRODUCT_COMPLAINT is a complaint whose kind is not clear.
PRODUCT_COMPLAINT = "product_complaint"
PACKAGING = "packaging"
LABELLING = "labelling"
APPEARANCE = "appearance"
FOREIGN_MATTER = "foreign_matter"
DEVICE_MALFUNCTION = "device_malfunction"
SUSPECTED_COUNTERFEIT = "suspected_counterfeit"

CATEGORIES: tuple[str, ...] = (
    ADVERSE_EVENT,
    WITHDRAWAL,
    LACK_OF_EFFICACY,
    OVERDOSE,
    MISUSE,
    MEDICATION_ERROR,
    PREGNANCY_EXPOSURE,
    BREASTFEEDING_EXPOSURE,
    PAEDIATRIC_USE,
    OFF_LABEL_USE,
    PRODUCT_COMPLAINT,
    PACKAGING,
    LABELLING,
    APPEARANCE,
    FOREIGN_MATTER,
    DEVICE_MALFUNCTION,
    SUSPECTED_COUNTERFEIT,
)

#: what a rep or a reviewer reads for each category
LABELS: dict[str, str] = {
    ADVERSE_EVENT: "adverse event",
    WITHDRAWAL: "withdrawal",
    LACK_OF_EFFICACY: "lack of efficacy",
    OVERDOSE: "overdose",
    MISUSE: "abuse or misuse",
    MEDICATION_ERROR: "medication error",
    PREGNANCY_EXPOSURE: "exposure in pregnancy",
    BREASTFEEDING_EXPOSURE: "exposure during breast-feeding",
    PAEDIATRIC_USE: "use in a child",
    OFF_LABEL_USE: "off-label use",
    PRODUCT_COMPLAINT: "product complaint",
    PACKAGING: "packaging defect",
    LABELLING: "labelling defect",
    APPEARANCE: "abnormal appearance",
    FOREIGN_MATTER: "foreign matter",
    DEVICE_MALFUNCTION: "device malfunction",
    SUSPECTED_COUNTERFEIT: "suspected counterfeit",
}

ADVERSE_EVENTS = "adverse_event"
SPECIAL_SITUATIONS = "special_situation"
PRODUCT_QUALITY = "product_quality"
FAMILIES: tuple[str, ...] = (ADVERSE_EVENTS, SPECIAL_SITUATIONS, PRODUCT_QUALITY)

_FAMILY: dict[str, str] = {
    **dict.fromkeys((ADVERSE_EVENT, WITHDRAWAL, LACK_OF_EFFICACY, OVERDOSE, MISUSE), ADVERSE_EVENTS),
    **dict.fromkeys(
        (MEDICATION_ERROR, PREGNANCY_EXPOSURE, BREASTFEEDING_EXPOSURE, PAEDIATRIC_USE, OFF_LABEL_USE),
        SPECIAL_SITUATIONS,
    ),
    **dict.fromkeys(
        (
            PRODUCT_COMPLAINT,
            PACKAGING,
            LABELLING,
            APPEARANCE,
            FOREIGN_MATTER,
            DEVICE_MALFUNCTION,
            SUSPECTED_COUNTERFEIT,
        ),
        PRODUCT_QUALITY,
    ),
}

QUALITY_CATEGORIES = frozenset(c for c, f in _FAMILY.items() if f == PRODUCT_QUALITY)

# Special situations: reportable when a patient was exposed to a product, not when merely mentioned.
EXPOSURE_CATEGORIES = frozenset({PREGNANCY_EXPOSURE, BREASTFEEDING_EXPOSURE, PAEDIATRIC_USE, OFF_LABEL_USE})


def family_of(category: str) -> str:
    """adverse_event, special_situation or product_quality; an unknown category counts as an adverse event, so
    that a category added by a newer release is still sent to pharmacovigilance."""
    return _FAMILY.get(category, ADVERSE_EVENTS)


def needs_pharmacovigilance(categories: tuple[str, ...] | list[str]) -> bool:
    """True when pharmacovigilance must receive the intake: any adverse event or special situation, or no
    category at all (an intake the rep raised by hand)."""
    return not categories or any(family_of(c) != PRODUCT_QUALITY for c in categories)


def needs_quality(categories: tuple[str, ...] | list[str]) -> bool:
    """True when the quality unit must receive the intake: any product-quality complaint."""
    return any(family_of(c) == PRODUCT_QUALITY for c in categories)
