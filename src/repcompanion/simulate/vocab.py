"""Fixed vocabularies of the demo territory: names, specialties, streets, products and topics."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: The content topic vocabulary shared by content, events, the truth and the intelligence engine.
TOPICS: tuple[str, ...] = (
    "efficacy",
    "safety",
    "dosing",
    "access",
    "patient_support",
    "clinical_data",
    "guidelines",
    "mechanism",
)

FIRST_NAMES: tuple[str, ...] = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Christopher Karen Daniel Lisa Matthew Nancy Anthony Sandra "
    "Mark Ashley Steven Kimberly Andrew Emily Joshua Michelle Kevin Amanda Brian Melissa Eric "
    "Stephanie Ryan Rebecca Jacob Laura Nicholas Rachel Jonathan Catherine Samuel Anna Benjamin "
    "Hannah Alexander Olivia Nathan Grace Aaron Claire Patrick Margaret Sean Kathleen Brendan Colleen "
    "Wei Mei Jun Li Hiroshi Yuki Min-jun Ji-woo Anh Linh Minh Raj Priya Arjun Ananya Vikram Deepa "
    "Sanjay Neha Rahul Aisha Omar Fatima Ahmed Layla Hassan Yasmin Carlos Maria Jose Ana Luis Sofia "
    "Miguel Isabel Diego Camila Rafael Lucia Kwame Ama Chinedu Ngozi Tunde Folake Jamal Aaliyah Malik "
    "Imani Andre Keisha Darnell Tamika Ivan Olga Dmitri Natalia Sergei Elena Giovanni Francesca Marco "
    "Giulia Pierre Camille Hans Ingrid Lars Astrid Noah Ava Ethan Mia Lucas Chloe Gabriel Zoe Elijah "
    "Nora Isaac Leah Tomasz Agnieszka Mateus Beatriz Kofi Esi Farid Leila Reza Shirin "
)

LAST_NAMES: tuple[str, ...] = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Murphy O'Brien "
    "Sullivan Kelly McCarthy Fitzgerald Doherty Walsh Connolly Gallagher Chen Wang Zhang Liu Huang "
    "Lin Wu Kim Park Choi Tanaka Sato Nakamura Tran Pham Le Patel Shah Gupta Sharma Singh Reddy Iyer "
    "Rao Desai Mehta Khan Ali Hussain Rahman Haddad Nasser Farouk Okafor Adeyemi Mensah Owusu Diallo "
    "Kamara Mwangi Washington Jefferson Banks Freeman Coleman Brooks Ivanov Petrov Kowalski Nowak "
    "Rossi Russo Ferrari Esposito Romano Costa Silva Santos Oliveira Pereira Fernandes Schmidt Muller "
    "Fischer Weber Becker Larsen Nielsen Johansson Lindqvist Dubois Laurent Moreau Cohen Levine "
    "Goldberg Friedman Katz Shapiro Rosen Bernstein Papadopoulos Georgiou Demir Yilmaz Kaya Abboud "
    "Morales Ortiz Gutierrez Chavez Ramos Ruiz Alvarez Castillo Vargas Mendoza Cruz Reyes Morgan "
    "Cooper Peterson Bailey Reed Howard Cox Ward Richardson Watson Wood Bennett Gray Hughes Price "
    "Sanders Foster Powell Butler Barnes Fisher Henderson Hayes Bryant Russell Griffin Hoffman "
)

#: (NUCC taxonomy code, display label, weight in the mix, role) — role picks the credentials.
SPECIALTIES: tuple[tuple[str, str, float, str], ...] = (
    ("207Q00000X", "Family Medicine", 0.20, "physician"),
    ("207R00000X", "Internal Medicine", 0.21, "physician"),
    ("207RC0000X", "Cardiovascular Disease", 0.12, "physician"),
    ("207RI0011X", "Interventional Cardiology", 0.02, "physician"),
    ("207RE0101X", "Endocrinology, Diabetes & Metabolism", 0.07, "physician"),
    ("207RN0300X", "Nephrology", 0.05, "physician"),
    ("207RG0300X", "Geriatric Medicine", 0.02, "physician"),
    ("208D00000X", "General Practice", 0.02, "physician"),
    ("2084P0800X", "Psychiatry", 0.03, "physician"),
    ("363L00000X", "Nurse Practitioner", 0.08, "np"),
    ("363LF0000X", "Family Nurse Practitioner", 0.06, "np"),
    ("363A00000X", "Physician Assistant", 0.08, "pa"),
    ("363AM0700X", "Medical Physician Assistant", 0.04, "pa"),
)

PRIMARY_CARE = (
    "207Q00000X",
    "207R00000X",
    "207RG0300X",
    "208D00000X",
    "363L00000X",
    "363LF0000X",
    "363A00000X",
    "363AM0700X",
)
CARDIOLOGY = ("207RC0000X", "207RI0011X")
ENDOCRINOLOGY = ("207RE0101X",)
NEPHROLOGY = ("207RN0300X",)

CREDENTIALS: dict[str, tuple[tuple[str, float], ...]] = {
    "physician": (("MD", 0.74), ("DO", 0.22), ("MD, PhD", 0.04)),
    "np": (("NP", 0.45), ("FNP-C", 0.30), ("APRN", 0.15), ("DNP", 0.10)),
    "pa": (("PA-C", 1.0),),
}

STREETS: tuple[str, ...] = (
    "Main Street",
    "Washington Street",
    "Elm Street",
    "Maple Avenue",
    "Pleasant Street",
    "Park Avenue",
    "Oak Street",
    "Highland Avenue",
    "Center Street",
    "Union Street",
    "School Street",
    "Church Street",
    "Summer Street",
    "Prospect Street",
    "Cedar Street",
    "Chestnut Street",
    "Franklin Street",
    "Lincoln Street",
    "Water Street",
    "Spring Street",
    "Central Street",
    "Broadway",
    "Court Street",
    "Pine Street",
    "Walnut Street",
    "Mill Street",
    "Bridge Street",
    "State Street",
    "Commonwealth Avenue",
    "Medical Center Drive",
    "Hospital Road",
    "Professional Park Drive",
    "Hospital Drive",
    "Corporate Drive",
    "Boston Post Road",
    "Salem Street",
    "Essex Street",
    "North Street",
    "South Street",
    "Grove Street",
    "River Road",
    "Lakeview Avenue",
    "Harvard Street",
    "Beacon Street",
    "Concord Road",
)

HOSPITAL_PATTERNS: tuple[str, ...] = (
    "{city} General Hospital",
    "{city} Medical Center",
    "{city} Regional Hospital",
    "St. {saint} Hospital",
    "{city} Memorial Hospital",
    "{city} Community Hospital",
)
CLINIC_PATTERNS: tuple[str, ...] = (
    "{city} Community Health Center",
    "{city} Primary Care Clinic",
    "{city} Family Health Center",
    "{city} Heart & Vascular Clinic",
    "{city} Diabetes & Endocrine Clinic",
    "{city} Kidney Care Clinic",
)
GROUP_PATTERNS: tuple[str, ...] = (
    "{a} & {b} Internal Medicine",
    "{city} Cardiology Associates",
    "{a} Family Practice",
    "{city} Internal Medicine Group",
    "{a}, {b} & Partners Primary Care",
    "{city} Medical Associates",
    "{a} Endocrine Associates",
    "{city} Nephrology Group",
    "{a} & {b} Cardiovascular Associates",
)
SAINTS: tuple[str, ...] = ("Vincent", "Elizabeth's", "Anne's", "Luke's", "Joseph", "Mary's", "Francis")

#: (id, brand, generic, therapeutic area, samples per visit, topics emphasised, audience specialties)
PRODUCTS: tuple[tuple[str, str, str, str, int, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "P1",
        "Corvenza",
        "velocetrapib",
        "Cardiometabolic",
        4,
        ("efficacy", "clinical_data", "guidelines", "mechanism", "safety"),
        CARDIOLOGY + PRIMARY_CARE,
    ),
    (
        "P2",
        "Glytessa",
        "sotaglutide",
        "Cardiometabolic",
        6,
        ("dosing", "access", "patient_support", "efficacy", "safety"),
        ENDOCRINOLOGY + PRIMARY_CARE,
    ),
    (
        "P3",
        "Nefrovia",
        "avecinerone",
        "Cardio-renal",
        3,
        ("clinical_data", "safety", "mechanism", "guidelines", "access"),
        NEPHROLOGY + CARDIOLOGY,
    ),
)

CONTENT_TITLES: dict[str, tuple[str, ...]] = {
    "efficacy": ("LDL-C reduction at 12 weeks", "HbA1c results summary", "Efficacy across subgroups"),
    "safety": ("Safety profile overview", "Adverse reactions at a glance", "Long-term safety data"),
    "dosing": ("Dosing and titration guide", "Starting and adjusting the dose", "Missed-dose guidance"),
    "access": ("Formulary coverage update", "Prior authorisation checklist", "Copay savings programme"),
    "patient_support": ("Patient starter kit", "Nurse support line", "Adherence resources for patients"),
    "clinical_data": ("Phase 3 outcomes trial results", "Renal endpoints: trial summary", "Real-world evidence brief"),
    "guidelines": (
        "What the updated guidelines say",
        "Guideline-directed therapy pathway",
        "Society recommendations update",
    ),
    "mechanism": ("Mechanism of action", "How it works: a 3-minute explainer", "Pharmacology in brief"),
}

CONSENT_SOURCES_IN: dict[str, tuple[str, ...]] = {
    "in_person": ("signed form", "rep captured"),
    "email": ("web preference centre", "signed form", "rep captured", "event registration"),
    "remote_meeting": ("rep captured", "web preference centre", "signed form"),
    "sms": ("web preference centre", "signed form"),
}
CONSENT_SOURCES_OUT: dict[str, tuple[str, ...]] = {
    "in_person": ("rep captured", "signed form"),
    "email": ("unsubscribe link", "web preference centre", "rep captured"),
    "remote_meeting": ("rep captured", "web preference centre"),
    "sms": ("reply STOP", "web preference centre"),
}

#: Placeholders allowed in content subject and body templates.
PLACEHOLDERS: tuple[str, ...] = ("first_name", "last_name", "credentials", "unsubscribe_url")
