"""The prescription rule: required, not required, questionnaire, silence, and the sentences around them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pharmcheck.findings import FAIL, NOT_APPLICABLE, PASS
from pharmcheck.rules import online_pharmacy, prescription
from pharmcheck.site import Form, Link
from tests.helpers import make_site

REAL_PAGES = Path(__file__).resolve().parents[3] / "shared" / "data" / "real-pages"

# A shop that sells prescription drugs and says nothing about prescriptions: each test adds one sentence.
SHOP = (
    "<div class='product'><a href='/product/viagra-100mg'>Viagra 100mg</a><p>30 pills x 100 mg $39.90</p>"
    "<button>Add to cart</button></div>"
    "<div class='product'><a href='/product/xanax-2mg'>Xanax 2mg</a><p>60 pills $89.00</p>"
    "<button>Add to cart</button></div>"
)


def page(body: str, title: str = "Meds Direct") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def run(pages, **kw):
    findings = list(prescription.check(make_site(pages, **kw)))
    assert len(findings) == 1
    return findings[0]


def shop_saying(text: str, title: str = "Meds Direct") -> str:
    return page(f"{SHOP}<p>{text}</p>", title=title)


def test_every_outcome_is_documented():
    assert set(prescription.OUTCOMES) == {
        "prescription-required",
        "prescription-not-required",
        "prescription-questionnaire",
        "prescription-regulated-online-consultation",
        "prescription-not-mentioned",
        "prescription-not-applicable",
    }
    assert prescription.ID == "prescription"
    assert "BeSafeRx" in prescription.__doc__


# ----------------------------------------------------------------------------------------------
# Required


@pytest.mark.parametrize(
    "text",
    [
        "Upload your prescription at checkout.",
        "A valid prescription is required for all prescription medicines.",
        "Prescription required.",
        "Have your doctor send the prescription to us, or fax it to 555-0100.",
        "Your doctor can e-prescribe to our pharmacy.",
        "We verify every prescription with your prescriber before we ship.",
        "Refill your prescriptions online.",
        "Transfer your prescription from another pharmacy in two minutes.",
        "We only dispense against a valid prescription.",
        "We never dispense medicines without a valid prescription.",
        "We do not sell Viagra, Cialis or Xanax without a prescription.",
        "Mail your original prescription to: Meds Direct, 1 Main St.",
    ],
)
def test_prescription_required(text):
    finding = run(shop_saying(text))
    assert finding.outcome == "prescription-required", text
    assert finding.status == PASS
    assert finding.evidence and finding.evidence[0].url == "https://pharmacy.example/"
    assert finding.evidence[0].quote


def test_refusal_is_explained_as_such():
    finding = run(shop_saying("We never dispense medicines without a valid prescription."))
    assert finding.evidence[0].why == "the site refuses to dispense without a prescription"


def test_upload_form_is_a_requirement():
    html = page(SHOP + "<form action='/upload' method='post' enctype='multipart/form-data'>"
                       "<input type='file' name='prescription_file'></form>")
    finding = run(html)
    assert finding.outcome == "prescription-required"
    assert finding.evidence[0].where == "form"


def test_requirement_on_another_page_counts():
    pages = {
        "https://pharmacy.example/": page(SHOP),
        "https://pharmacy.example/faq": page("<p>How do I order? Upload your prescription, and our pharmacists"
                                             " verify it with your doctor.</p>", title="FAQ"),
    }
    finding = run(pages)
    assert finding.outcome == "prescription-required"
    assert finding.evidence[0].url == "https://pharmacy.example/faq"


def test_pharmacy_sign_in_page_with_refills_is_required():
    html = page(
        "<h2>Manage Your Prescriptions</h2><a href='/refill'>Refill your Rx</a> <a href='/transfer'>Transfer your Rx</a>"
        "<p>Sign in or register to view or refill your prescriptions.</p>",
        title="Acme Mail Order Pharmacy | Sign In",
    )
    finding = run(html)
    assert finding.outcome == "prescription-required"
    assert finding.facts["rx_drugs_offered"] == []


# ----------------------------------------------------------------------------------------------
# Not required (red flags)


@pytest.mark.parametrize(
    "text",
    [
        "Buy Xanax online, no prescription needed!",
        "Order Viagra without a prescription.",
        "Cheap meds without prescription, fast shipping.",
        "No Rx required.",
        "Prescription not required.",
        "A prescription is not needed for any of our products.",
        "We don't require a prescription.",
        "We do not need a doctor's prescription.",
        "No doctor visit, no waiting.",
        "No script needed.",
        "Order now: prescription-free delivery.",
        "No prescription? No problem!",
        "Can I order without a prescription? Yes, of course.",
        "Buy Xanax w/o prescription.",
        "No prescription? No issue!",
        "Xanax 2mg no script, overnight shipping",
    ],
)
def test_prescription_not_required(text):
    finding = run(shop_saying(text))
    assert finding.outcome == "prescription-not-required", text
    assert finding.status == FAIL
    assert finding.evidence and finding.evidence[0].quote


@pytest.mark.parametrize(
    "text",
    [
        "It is illegal to buy Xanax without a prescription.",
        "Beware of sites that offer drugs without a prescription.",
        "Never buy medicines from a site that does not require a prescription.",
        "Buying Viagra without a prescription is dangerous.",
        "Can I buy Viagra without a prescription? No: a valid prescription is required.",
        "Over-the-counter medicines and vitamins are available without a prescription.",
        "We never sell prescription medicines without a prescription from your doctor.",
        "Rogue sites sell drugs with no prescription; we are not one of them.",
        "If there is no prescription on file, we will contact your doctor.",
        "No prescription fees, and no prescription transfer charges.",
        "Our pages use no scripts that track you.",
    ],
)
def test_warnings_negations_and_otc_are_not_red_flags(text):
    # Each sentence comes with a plain requirement, so the outcome shows whether the sentence was taken as a
    # red flag (it must not be).
    finding = run(shop_saying(f"{text} Upload your prescription at checkout."))
    assert finding.outcome == "prescription-required", text


def test_red_flag_wins_over_compliance_text():
    finding = run(shop_saying("A valid prescription is required. No prescription needed for Viagra!"))
    assert finding.outcome == "prescription-not-required"
    assert finding.facts["requirement_claims"]
    assert "red flag wins" in finding.message
    assert any("No prescription needed" in e.quote for e in finding.evidence)


def test_red_flag_in_title():
    finding = run(page(SHOP + "<p>Fast shipping.</p>", title="Buy Xanax Online No Prescription | Meds Direct"))
    assert finding.outcome == "prescription-not-required"
    assert finding.evidence[0].where == "title"


def test_red_flag_in_link_text():
    html = page(SHOP + "<ul><li><a href='/xanax'>Buy Xanax no prescription</a></li></ul>")
    finding = run(html)
    assert finding.outcome == "prescription-not-required"
    assert any(e.where == "link" and "/xanax" in e.quote for e in finding.evidence)


def test_red_flag_in_link_address():
    html = page(SHOP + "<a href='/buy-valium-without-prescription'><img src='/v.png' alt=''></a>")
    finding = run(html)
    assert finding.outcome == "prescription-not-required"
    assert any("/buy-valium-without-prescription" in e.quote for e in finding.evidence)


def test_red_flag_in_image_text():
    html = page(SHOP + "<img src='/banner.png' alt='Order Ambien without prescription'>")
    finding = run(html)
    assert finding.outcome == "prescription-not-required"
    assert finding.evidence[0].where == "image"


def test_warning_link_is_not_a_red_flag():
    html = page(SHOP + "<p>Beware of sites that offer <a href='/blog/fakes'>Xanax without prescription</a>."
                       " Upload your prescription at checkout.</p>")
    assert run(html).outcome == "prescription-required"


def test_red_flag_naming_a_drug_counts_even_without_a_shop():
    finding = run({"https://spam.example/": page("<h1>Order Xanax, no prescription needed</h1>", title="Welcome")})
    assert finding.outcome == "prescription-not-required"


def test_foreign_phrase_needs_a_drug_name():
    assert run(shop_saying("Viagra ohne Rezept kaufen.")).outcome == "prescription-not-required"
    # "Medikamente ohne Rezept" is how German says over-the-counter medicines.
    html = page(f"<p>Medikamente ohne Rezept. Upload your prescription.</p>{SHOP}")
    assert run(html).outcome == "prescription-required"


# ----------------------------------------------------------------------------------------------
# Questionnaires and regulated online doctors


@pytest.mark.parametrize(
    "text",
    [
        "Complete our free online consultation and our doctors will approve your order.",
        "No prescription? Our doctors can issue one after a short questionnaire.",
        "Fill in a short medical questionnaire: a licensed physician will review it.",
        "Your prescription is issued online by our partner doctors.",
    ],
)
def test_questionnaire_instead_of_prescription_fails(text):
    finding = run(shop_saying(text))
    assert finding.outcome == "prescription-questionnaire", text
    assert finding.status == FAIL
    assert finding.evidence


@pytest.mark.parametrize(
    "regulator",
    [
        "Meds Direct is registered with the General Pharmaceutical Council, registration number 1234567.",
        "Our online doctor service is regulated by the Care Quality Commission (CQC).",
        "<a href='https://www.pharmacyregulation.org/registers/pharmacy/1234567'>Check our registration</a>",
        "<img src='/img/gphc-registered-pharmacy.png' alt='Registered pharmacy'>",
    ],
)
def test_regulated_online_consultation(regulator):
    html = shop_saying(f"Complete our free online consultation: our doctors will review it. No need to see your GP."
                       f" {regulator}", title="Meds Direct Online Doctor")
    finding = run(html)
    assert finding.outcome == "prescription-regulated-online-consultation", regulator
    assert finding.status == PASS
    assert finding.facts["regulator_claims"]
    assert "register" in finding.message


def test_regulated_site_still_fails_on_no_prescription_needed():
    html = shop_saying("Registered with the General Pharmaceutical Council. Buy Xanax, no prescription needed.")
    assert run(html).outcome == "prescription-not-required"


def test_online_doctor_link_does_not_outweigh_a_requirement():
    html = shop_saying("Refill your prescriptions online. Need a new one? See our partner online doctor.")
    assert run(html).outcome == "prescription-required"


def test_uk_pharmacy_medicine_after_a_pharmacist_check():
    # Viagra Connect is a UK pharmacy medicine (the medicine table): "without a prescription" is true of it, so
    # the sentence is neither a red flag nor a questionnaire; the shop's Xanax with no word of a prescription is.
    text = "Viagra Connect is available without a prescription after a chat with our pharmacist."
    finding = run(shop_saying(text))
    assert finding.outcome == "prescription-not-mentioned"
    assert not any("Viagra Connect" in (e.quote or "") for e in finding.evidence)


def test_a_few_foreign_requirement_phrases():
    assert run(shop_saying("Envíe su receta por correo.")).outcome == "prescription-required"
    assert run(shop_saying("Rezept hochladen und bestellen.")).outcome == "prescription-required"


def test_pharmacist_consultation_is_not_a_questionnaire():
    html = shop_saying("Book a free consultation with our pharmacist. Upload your prescription at checkout.")
    assert run(html).outcome == "prescription-required"


def test_questionnaire_warning_is_not_a_questionnaire():
    html = shop_saying("Beware of sites that offer a free online consultation instead of a prescription."
                       " Upload your prescription at checkout.")
    assert run(html).outcome == "prescription-required"


# ----------------------------------------------------------------------------------------------
# Silence, and sites the rule does not apply to


def test_silent_shop_fails():
    finding = run(page(SHOP + "<p>Fast, discreet shipping worldwide. Secure payment by card.</p>"))
    assert finding.outcome == "prescription-not-mentioned"
    assert finding.status == FAIL
    assert finding.searched == ["https://pharmacy.example/"]
    assert {e.where for e in finding.evidence} <= {"link", "text", "form", "card", "table-row", "list-item", "select", "json-ld", "microdata"}
    assert "Viagra (sildenafil)" in finding.facts["rx_drugs_offered"]
    assert finding.facts["looked_for"]


def test_pharmacy_that_offers_nothing_and_says_nothing_is_not_checked():
    html = page("<p>Welcome! We are a mail-order pharmacy. Opening hours 9-5.</p>", title="Corner Pharmacy")
    site = make_site({"https://corner.example/": html})
    assert [f.outcome for f in online_pharmacy.check(site)] == ["online-pharmacy-detected"]
    finding = run({"https://corner.example/": html})
    assert finding.outcome == "prescription-not-applicable"
    assert finding.status == NOT_APPLICABLE
    assert finding.facts["reason"] == "pharmacy-without-rx-offers"
    assert finding.searched == ["https://corner.example/"]


def test_advertorial_is_not_applicable():
    html = page(
        "<h1>Bye Bye, Viagra!</h1><p>Truvalast works better than Viagra, a herbal pill you can buy without"
        " prescription, and all for the price of a movie ticket without any stupid prescription.</p>"
        "<a href='/offer'>Pay only $6.55</a>",
        title="Fixing Erectile Dysfunction",
    )
    finding = run({"https://news.example/": html})
    assert finding.outcome == "prescription-not-applicable"
    assert finding.status == NOT_APPLICABLE
    assert finding.searched == ["https://news.example/"]


def test_health_blog_is_not_applicable():
    html = page(
        "<p>Sildenafil (Viagra) needs a prescription in the US. It is illegal to buy Xanax online without a"
        " prescription. Ask your doctor.</p>",
        title="Erectile dysfunction: what to know",
    )
    assert run({"https://health.example/ed": html}).outcome == "prescription-not-applicable"


# ----------------------------------------------------------------------------------------------
# Real pages (a check, not a target)


def _real(name: str):
    path = REAL_PAGES / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    return make_site({"https://saved.example/": path.read_text(encoding="utf-8", errors="replace")})


def test_real_mail_order_pharmacy_requires_prescriptions():
    findings = list(prescription.check(_real("caremark.com-2021-signin.html")))
    assert [f.outcome for f in findings] == ["prescription-required"]


def test_real_advertorial_is_not_applicable():
    findings = list(prescription.check(_real("ed-supplement-advertorial-lander.html")))
    assert [f.outcome for f in findings] == ["prescription-not-applicable"]


def test_addresses_that_urlsplit_refuses_do_not_crash_the_rules():
    site = make_site(page(SHOP))
    site.pages[0].links.append(Link(url="http://[oops/buy-xanax-without-prescription", text="Buy Xanax"))
    site.pages[0].forms.append(Form(action="http://[oops/refill", method="get", fields=["text:rx:"]))
    assert [f.outcome for f in online_pharmacy.check(site)] == ["online-pharmacy-detected"]
    assert [f.outcome for f in prescription.check(site)] == ["prescription-not-mentioned"]


def test_a_pharmacy_medicine_sold_without_prescription_is_not_a_red_flag():
    # Viagra Connect is a UK pharmacy medicine: "no prescription needed" is true of it, and lawful.
    html = page("<h1>Thamesbrook Pharmacy</h1><ul><li>Viagra Connect 50 mg, 8 tablets, £34.99 "
                "<button>Add to basket</button></li></ul><p>Viagra Connect: no prescription needed. "
                "For all prescription medicines, upload your prescription at checkout.</p>")
    assert run(html).outcome != "prescription-not-required"
