"""The third-party vocabularies and corpora the note screener is built from, and the credit each asks for.

The Human Phenotype Ontology licence asks every product using it to display the acknowledgement below with the
release it uses; the About dialog and the README show ``ACKNOWLEDGEMENTS``. The full texts and licences are in
resources/safety/THIRD_PARTY.md.
"""

from __future__ import annotations

from repcompanion.intel.safety.vocabulary import HPO_ACKNOWLEDGEMENT, SYMP_RELEASE

ACKNOWLEDGEMENTS: tuple[str, ...] = (
    HPO_ACKNOWLEDGEMENT,
    f"Symptom Ontology (SYMP), Disease Ontology project, University of Maryland School of Medicine, release "
    f"{SYMP_RELEASE}, CC0 1.0.",
    "PsyTAR: Zolnoori M. et al., The PsyTAR dataset: From patients generated narratives to a corpus of adverse "
    "drug events and effectiveness of psychiatric medications, Data in Brief 24 (2019) 103838, CC BY 4.0.",
    "SPL-ADR-200: Demner-Fushman D. et al., A dataset of 200 structured product labels annotated for adverse drug "
    "reactions, Sci Data 5:180001 (2018), public domain; packaged by OnSIDES (Tanaka Y. et al., Med 2025), "
    "MIT License, Copyright (c) 2025 Tatonetti Lab.",
)


def acknowledgements_text() -> str:
    """The acknowledgements as paragraphs, for an About box."""
    return "\n\n".join(ACKNOWLEDGEMENTS)
