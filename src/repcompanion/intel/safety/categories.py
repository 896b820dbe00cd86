"""The reportable categories the note screener can assign."""

from __future__ import annotations

ADVERSE_EVENT = "adverse_event"
WITHDRAWAL = "withdrawal"
LACK_OF_EFFICACY = "lack_of_efficacy"
OVERDOSE = "overdose"
MISUSE = "misuse"
MEDICATION_ERROR = "medication_error"
PREGNANCY_EXPOSURE = "pregnancy_exposure"
BREASTFEEDING_EXPOSURE = "breastfeeding_exposure"
PAEDIATRIC_USE = "paediatric_use"
OFF_LABEL_USE = "off_label_use"
PRODUCT_COMPLAINT = "product_complaint"

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
)

# Special situations: reportable when a patient was exposed to a product, not when merely mentioned.
EXPOSURE_CATEGORIES = frozenset({PREGNANCY_EXPOSURE, BREASTFEEDING_EXPOSURE, PAEDIATRIC_USE, OFF_LABEL_USE})
