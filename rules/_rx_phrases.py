"""What the ``prescription`` rule reads in a page: the red flags (no prescription, no doctor), the
claims that a prescription is required, consultations, the regulators of online doctors and their
registers (private to rules/prescription.py, which reads them). Phrases are lower case, matched on
lower-cased text (see :class:`pharmcheck.rules._scan.Phrase`).
"""

from __future__ import annotations

import re

from pharmcheck.lazyre import lazy_re
from pharmcheck.rules._drugs import Phrase


_RX = r"(?:prescriptions?|rx|scripts?)"
_RX_ONLY = r"(?:prescriptions?|rx)"  # "no scripts" is also said of web pages: "script" needs more words
_QUAL = r"(?:(?:prior|valid|doctor'?s?|physician'?s?|medical|previous|written|original|paper|any)\s+)?"
_NOT_PRODUCTS = (
    r"(?!\s*(?:drugs?|medications?|medicines?|meds|products?|items?|refills?|coverage|plans?|benefits?|history|"
    r"savings|costs?|fees?|charges?|copays?|co-pays?|insurance|transfers?|orders?|pills?|packages?|parcels?|"
    r"on\s+file|yet|number|labels?|bottles?)\b)"
)

# Red flags in English, by kind: "no-prescription", "no-doctor" (the other languages, and more English, are read
# from the lexicons by _red_in_lexicons; "foreign" is kept for a red flag a lexicon phrase of an OTC range holds)
_RED = Phrase(
    r"(?P<no_prescription>(?:no|without(?:\s+(?:a|any|the|your|needing(?:\s+(?:a|any))?|need(?:ing)?\s+(?:for|of)"
    r"(?:\s+a)?))?|w/o|w/out|zero)\s+" + _QUAL + _RX_ONLY + r"\b" + _NOT_PRODUCTS
    + r"|(?:no|zero|without(?:\s+a)?)\s+scripts?(?:\s+(?:needed|required|necessary)\b|(?=\s*(?:[.!?,;|)]|\s-\s|$|"
    r"overnight|online|pharmacy|shipping|delivery)))"
    + r"|" + _RX + r"\s+(?:is\s+|are\s+)?(?:not|never|no\s+longer|isn'?t|aren'?t)\s+(?:needed|required|necessary|"
    r"mandatory|compulsory|requested|asked\s+for)\b"
    r"|(?:prescription|rx)[- ]free\b"
    r"|no\s+need\s+(?:for|of)\s+(?:a\s+)?" + _RX + r"\b"
    r"|(?:do(?:es)?\s*n[o']t|do(?:es)?\s+not|never|won'?t|will\s+not)\s+(?:need|require|ask\s+(?:you\s+)?for|"
    r"request|check\s+for|have\s+to\s+(?:have|show|provide|send|get))\s+(?:(?:a|any|your|the|to\s+(?:see|have|"
    r"get|show))\s+)?" + _QUAL + _RX + r"\b)"
    r"|(?P<no_doctor>no\s+(?:doctor|physician|gp)'?s?\s+(?:visits?|appointments?|consultations?|approval|needed|"
    r"required|prescriptions?|exams?|waiting|necessary)\b"
    r"|without\s+(?:(?:a|any|the)\s+|(?:seeing|visiting|consulting|needing)\s+(?:(?:a|an|your|the)\s+)?)?"
    r"(?:doctor|physician|gp)'?s?\b"
    r"|no\s+need\s+to\s+(?:see|visit|consult)\s+(?:a|an|your)\s+(?:doctor|physician|gp)\b"
    r"|skip\s+the\s+(?:doctor|gp|waiting\s+room)\b)",
    first="nwzprsdkobe",
    words=("prescri", "rx", "script", "doctor", "physician", "gp", "waiting room"),
)
_RED_WORDS = _RED.words
_RED_WORD = lazy_re("|".join(re.escape(w) for w in _RED_WORDS))

# "Without a prescription" said of products that need none.
_BENIGN = lazy_re(
    r"\b(?:over[- ]the[- ]counter|otc|non-?prescription|vitamins?|supplements?|herbal|natural|cosmetics?|"
    r"skin\s?care|beauty|toiletries|first[- ]aid|pharmacy\s+medicines?|gsl|general\s+sale|pets?|vet(?:erinary)?|"
    r"contact\s+lens(?:es)?|reading\s+glasses|pregnancy\s+tests?|condoms?|baby|rezeptfrei\w*|sin\s+receta\s+médica)\b"
)
# A red flag that offers a doctor instead is a consultation: "No prescription? Our doctors can issue one".
_DOCTOR_INSTEAD = lazy_re(
    r"\b(?:our|online|licensed|registered|partner|in-house|independent)\s+(?:[a-z-]+\s+){0,2}?(?:doctors?|physicians?|"
    r"prescribers?|clinicians?|gps?|medical\s+team)\b|\b(?:doctors?|physicians?|gps?)\s+online\b|"
    r"\b(?:consultation|questionnaire|assessment|prescribe|issues?\s+(?:a|an|your|the)\s+(?:new\s+)?prescription|"
    r"telehealth|telemedicine|video\s+(?:call|visit)|"
    r"virtual\s+(?:visit|appointment))"
    r"|\b(?:chat|consultation|check|assessment|questions?)\s+(?:with|by|from)\s+(?:our|a|the)\s+pharmacists?\b"
)

# Requirement claims, by kind.
_REQUIRED = Phrase(
    r"(?P<required>(?:(?:valid|original|written|current|doctor'?s?|physician'?s?|prescriber'?s?|signed)\s+)?"
    r"(?:prescriptions?|rx)\s+(?:is\s+|are\s+|will\s+be\s+)?(?:always\s+)?(?:required|needed|necessary|mandatory)\b"
    r"|(?:requires?|requiring|needs?)\s+(?:a|an)\s+(?:valid\s+|current\s+|doctor'?s?\s+)?(?:prescription|rx)\b"
    r"|we\s+(?:only\s+)?(?:require|need|ask\s+for)\s+(?:a\s+|your\s+)?(?:valid\s+)?(?:prescription|rx)\b"
    r"|(?:only|solely|exclusively)\s+(?:[a-z]+\s+){0,4}?(?:with|against|upon|on\s+receipt\s+of|after\s+"
    r"(?:receiving|verifying))\s+(?:a\s+|an\s+|your\s+)?(?:valid\s+|original\s+)?(?:prescriptions?|rx)\b)"
    r"|(?P<verify>(?:verif(?:y|ies|ied|ication\s+of)|confirm(?:s|ed)?|validat(?:e|es|ed)|check(?:s|ed)?)\s+"
    r"(?:(?:every|each|all|your|the|that|a)\s+)*(?:prescriptions?|rx)\b"
    r"|(?:verif(?:y|ies|ied)|confirm(?:s|ed)?|check(?:s|ed)?)\s+(?:it\s+|them\s+)?with\s+(?:your|the)\s+"
    r"(?:doctor|prescriber|physician|gp)\b"
    r"|we\s+(?:will\s+|may\s+|then\s+)?(?:contact|call|fax|reach\s+out\s+to)\s+your\s+(?:doctor|prescriber|physician|gp)\b)"
    r"|(?P<send>(?:(?:upload|send|fax|submit|e-?mail|scan|attach|provide|present|forward)\s+(?:us\s+)?(?:(?:your|a|the|an|"
    r"original|valid|copy\s+of\s+(?:your|the|a)|signed)\s+)*|(?:mail|post)\s+(?:us\s+)?(?:your|the|a|an|original)\s+"
    r"(?:(?:original|valid|signed)\s+)?)(?:prescriptions?|rx|scripts?)\b" + _NOT_PRODUCTS
    + r"|have\s+your\s+(?:doctor|physician|prescriber|gp|healthcare\s+provider|provider)\s+(?:send|fax|call|"
    r"e-?prescribe|e-?mail|submit|phone|transmit)"
    r"|(?:doctor|physician|prescriber|gp)\s+(?:can|will|may|must|should)\s+(?:send|fax|call\s+in|e-?prescribe|"
    r"electronically\s+send|transmit|e-?mail)\b"
    r"|e-?prescri(?:be|bing|ptions?)\b|electronic\s+prescriptions?\b)"
    r"|(?P<refill>refill(?:s|ing)?\s+(?:(?:your|my|a|the|existing)\s+)?(?:prescriptions?|rx|meds|medications?)\b"
    r"|(?:prescription|rx)\s+refills?\b|transfer(?:ring)?\s+(?:(?:your|my|a|the|existing)\s+)?(?:prescriptions?|rx)\b"
    r"|(?:prescription|rx)\s+transfers?\b|manage\s+(?:your\s+)?prescriptions\b)",
    first="vowcdpsrneuftmahgic",
    words=("prescri", "rx", "script", "doctor", "physician", "gp", "provider"),
)
_REQUIRED_WHY = {
    "required": "the site says a valid prescription is required",
    "verify": "the site says it verifies prescriptions with the prescriber",
    "send": "the site asks for the prescription itself (upload, send, or from the prescriber)",
    "refill": "the site refills or transfers existing prescriptions",
    "foreign": "the site says a prescription is required",
    "refusal": "the site refuses to dispense without a prescription",
    "form": "a form to upload a prescription",
}

_CONSULT = Phrase(
    r"(?:free|online|virtual|quick|short|simple|brief|medical|doctor|physician)\s+(?:(?:online|medical|doctor|"
    r"physician|health|free)\s+)?(?:consultations?|consults?|questionnaires?|assessments?)\b"
    r"|(?:fill|complete|answer|take)\s+(?:in\s+|out\s+)?(?:(?:a|our|the|this|an|short|simple|quick|brief|online|medical|"
    r"free|few|some)\s+){0,3}(?:questionnaires?|questions|health\s+questionnaire|assessments?|consultation(?:\s+form)?)\b"
    r"|(?:our|licensed|affiliated|partner|independent|in-house)\s+(?:(?:u\.?s\.?|uk|eu|licensed|board[- ]certified|"
    r"independent|affiliated|registered|gmc[- ]registered)\s+)*(?:doctors?|physicians?|prescribers?|clinicians?|"
    r"medical\s+team|gps?)\s+(?:will\s+|can\s+|then\s+|may\s+)?(?:review|approve|issue|write|assess|evaluate|prescribe)s?\b"
    r"|prescriptions?\s+(?:is\s+|are\s+|will\s+be\s+|can\s+be\s+)?(?:issued|written|provided|included|approved)\s+"
    r"(?:online|for\s+free|free|by\s+(?:our|an?\s+(?:online|partner|affiliated|in-house))\s+(?:[a-z-]+\s+)?"
    r"(?:doctors?|physicians?|prescribers?))"
    r"|free\s+(?:doctor'?s?\s+|online\s+)?prescriptions?\b(?!\s+(?:delivery|pick|transfer|refill|service|savings|"
    r"discount|card|drug))"
    r"|no\s+in[- ]person\s+(?:visits?|appointments?|exams?|consultations?)\b"
    # An "online doctor" named on its own is a weak sign: a pharmacy that also asks for prescriptions may
    # simply link to a telehealth service.
    r"|(?P<weak>online\s+doctors?\b|doctors?\s+online\b)",
    first="fovqsbmdpcatlin",
    # Every match holds one of these words ("prescription" itself is too common on a pharmacy's pages).
    words=("consult", "questionnaire", "question", "assessment", "doctor", "physician", "prescriber", "clinician",
           "gp", "medical team", "issued", "written", "provided", "included", "approved", "free", "in-person",
           "in person"),
)
_DOCTORISH = lazy_re(r"\b(?:doctors?|physicians?|prescribers?|gps?|clinicians?|nurse\s+prescribers?|medical\s+team)\b")
_PHARMACIST = lazy_re(r"\bpharmacists?\b")

# Regulated UK/EU online-doctor services (and LegitScript, which certifies US telehealth).
_REGULATOR = Phrase(
    r"(?:general\s+pharmaceutical\s+council|gphc|care\s+quality\s+commission|cqc|pharmaceutical\s+society\s+of\s+"
    r"(?:northern\s+)?ireland|psni|healthcare\s+improvement\s+scotland|healthcare\s+inspectorate\s+wales|"
    r"health\s+products\s+regulatory\s+authority|hpra|mhra|eu\s+common\s+logo|common\s+(?:eu\s+)?logo|"
    r"registered\s+with\s+the\s+(?:[a-z]+\s+){0,4}?pharmaceutical\s+society|gmc\s+(?:number|no|registered|registration)|"
    r"dimdi|bfarm|aemps|ansm|legitscript)\b",
    first="gcpheimrdbal",
    words=("gphc", "pharmaceutical", "quality commission", "cqc", "psni", "healthcare", "health products", "hpra",
           "mhra", "logo", "gmc", "dimdi", "bfarm", "aemps", "ansm", "legitscript"),
    reach=60,
)
_REGISTER_HOSTS = frozenset((
    "pharmacyregulation.org", "cqc.org.uk", "mhra.gov.uk", "psni.org.uk", "thepsi.ie", "hpra.ie", "gmc-uk.org",
    "healthcareimprovementscotland.org", "hiw.org.uk", "dimdi.de", "bfarm.de", "aemps.gob.es", "ansm.sante.fr",
    "ordre.pharmacien.fr", "salute.gov.it", "cbg-meb.nl", "legitscript.com",
))
_REGISTER_WORD = lazy_re("|".join(re.escape(h.split(".")[0]) for h in sorted(_REGISTER_HOSTS)))
_REGISTER_IMAGE = lazy_re(r"gphc|cqc|mhra|eu[-_ ]?logo|common[-_ ]?logo|legitscript|registered[-_ ]pharmacy")

_URL_WORDS = lazy_re(r"[\-_/+.=?&%]+")
