"""The pharmacist rule: a pharmacist the visitor can reach, and a licence number that can be checked.
Small pages written for each case; pass, fail and tricky (generic advice, negation, company numbers)."""

from __future__ import annotations

import pytest

from pharmcheck.findings import FAIL, NOT_APPLICABLE, PASS, WARN
from pharmcheck.rules import pharmacist
from tests.helpers import make_site

START = "https://pharmacy.example/"


def page(body: str) -> str:
    return f"<html><head><title>Pharmacy</title></head><body>{body}</body></html>"


def run(pages, **kwargs):
    site = make_site(pages, **kwargs)
    findings = list(pharmacist.check(site))
    texts = [p.text for p in site.pages]
    for f in findings:  # every code is documented, and text evidence is quoted from a page
        assert f.outcome in pharmacist.OUTCOMES, f.outcome
        for e in f.evidence:
            if e.where == "text":
                assert any(e.quote.rstrip("…") in t for t in texts), e.quote
    assert len(findings) == 2  # one for the pharmacist, one for the licence
    return findings


def access(pages, **kwargs):
    return run(pages, **kwargs)[0]


def licence(pages, **kwargs):
    return run(pages, **kwargs)[1]


# ----------------------------------------------------------------------------------------------
# Can a pharmacist be reached?


@pytest.mark.parametrize(
    "html, quoted",
    [
        ('<nav><a href="/ask">Ask a Pharmacist</a></nav>', "Ask a Pharmacist"),
        ('<a href="/wps/EMAIL_A_PHARMACIST">Email a Pharmacist</a>', "Email a Pharmacist"),
        ("<p>Our pharmacists are available 24/7 at 1-800-226-3784.</p>", "pharmacists are available"),
        ("<p>Talk to one of our licensed pharmacists about your medicines.</p>", "Talk to one of our licensed pharmacists"),
        ("<p>Free pharmacist consultation by phone or chat.</p>", "pharmacist consultation"),
        ("<p>Questions? Use our pharmacist hotline.</p>", "pharmacist hotline"),
        ("<p>Jane Doe, PharmD, reviews every order.</p>", "Jane Doe, PharmD"),
        ("<p>Gordon Ellis, BSc Pharm, dispenses your order.</p>", "Gordon Ellis, BSc Pharm"),
        ("<p>Member services and pharmacists: 1-888-555-0134, 24/7.</p>", "pharmacists: 1-888-555-0134"),
        ("<p>Questions about a medicine? Pharmacists are available 24/7.</p>", "Pharmacists are available"),
        ("<p>Superintendent Pharmacist: John Smith MPharm</p>", "Superintendent Pharmacist: John Smith"),
        ("<p>Pharmacist-in-Charge:</p><p>Maria Lopez</p>", "Pharmacist-in-Charge: Maria Lopez"),
        ("<p>Responsible Pharmacist Anna Kowalska (GPhC 2045678)</p>", "Responsible Pharmacist Anna Kowalska"),
    ],
)  # fmt: skip
def test_pharmacist_available(html, quoted):
    f = access(page(html))
    assert f.outcome == "pharmacist-available" and f.status == PASS
    assert any(quoted in (e.quote or "") for e in f.evidence), [e.quote for e in f.evidence]


def test_the_named_pharmacist_is_reported_by_name():
    f = access(page("<p>Superintendent Pharmacist John Smith</p>"))
    assert f.facts["kinds"] == ["named"]
    assert "John Smith" in f.evidence[0].quote


def test_registered_pharmacist_alone_names_no_one():
    assert access(page("<p>All orders are checked by a registered pharmacist.</p>")).outcome == "pharmacist-not-found"


def test_link_by_its_address():
    f = access(page('<a href="/services/ask-a-pharmacist">Questions?</a>'))
    assert f.outcome == "pharmacist-available"
    assert f.evidence[0].where == "link"
    assert "ask-a-pharmacist" in f.evidence[0].quote


@pytest.mark.parametrize(
    "html",
    [
        "<p>Consult your doctor or pharmacist before use.</p>",
        "<p>Ask your pharmacist about side effects.</p>",
        "<p>Consult a pharmacist before use if you are pregnant or nursing.</p>",
        "<p>Keep out of reach of children. Talk to a doctor or pharmacist if symptoms persist.</p>",
    ],
)
def test_generic_advice_is_not_availability(html):
    f = access(page(html))
    assert f.outcome == "pharmacist-generic-advice-only" and f.status == WARN
    assert "generic advice" in f.evidence[0].why
    assert f.searched == [START]


def test_advice_sentence_that_offers_a_way_to_reach_the_pharmacist_counts():
    html = page("<p>Consult a pharmacist before use: our pharmacists answer free on 1-800-226-3784.</p>")
    assert access(html).outcome == "pharmacist-available"


def test_an_offer_beside_generic_advice_passes():
    html = page("<p>Consult your doctor or pharmacist before use.</p><a href='/ask'>Ask a pharmacist</a>")
    f = access(html)
    assert f.outcome == "pharmacist-available"
    assert f.facts["generic_mentions"] == 1


@pytest.mark.parametrize(
    "html",
    [
        "<p>Morphine sulfate 10 mg tablets. Pharmacy hours 9-5.</p>",  # "rph" inside a word
        "<p>Pharmacists & Medical Professionals: see our Pharmacist FAQs.</p>",  # pharmacists as an audience
        "<p>Manitoba pharmacists are not permitted to fill US prescriptions.</p>",
    ],
)
def test_no_pharmacist_offer(html):
    f = access(page(html))
    assert f.outcome in ("pharmacist-not-found", "pharmacist-generic-advice-only")
    assert f.status in (FAIL, WARN)


def test_not_found_fails_and_lists_pages():
    pages = {START: page("<p>Cheap pills</p>"), START + "faq": page("<p>Shipping takes 3 weeks</p>")}
    f = access(pages)
    assert f.outcome == "pharmacist-not-found" and f.status == FAIL
    assert f.searched == [START, START + "faq"]


def test_footer_repeated_on_every_page_is_one_item():
    footer = "<footer><a href='/ask'>Ask a Pharmacist</a><p>Jane Doe, PharmD</p></footer>"
    pages = {START + name: page(f"<h1>{name}</h1>{footer}") for name in ("", "a", "b", "c")}
    f = access(pages)
    assert len(f.evidence) == 2
    assert all(e.why.endswith("(shown on 4 pages)") for e in f.evidence)


# ----------------------------------------------------------------------------------------------
# Is a licence shown?


@pytest.mark.parametrize(
    "html, number",
    [
        ("<p>Pharmacy License #PH-12345</p>", "PH-12345"),
        ("<p>Pharmacy licence: 12345</p>", "12345"),
        ("<p>GPhC registration number 1234567</p>", "1234567"),
        ("<p>Registered pharmacy premises. GPhC: 9011234</p>", "9011234"),
        ("<p>NABP # 123456</p>", "123456"),
        ("<p>DEA # AB1234567</p>", "AB1234567"),
        ("<p>Licensed by the Ohio State Board of Pharmacy, licence no. 02-1234567</p>", "02-1234567"),
        ("<p>CanadaDrugs.com is licensed by the College of Pharmacists of Manitoba.</p><p>License Number 32195</p>",
         "32195"),
    ],
)  # fmt: skip
def test_licence_number_shown(html, number):
    f = licence(page(html))
    assert f.outcome == "pharmacist-licence-number-shown" and f.status == PASS
    assert [n["number"] for n in f.facts["numbers"]] == [number]
    assert number in f.evidence[0].quote


def test_the_licensing_body_is_reported():
    html = page("<p>Licensed by the Ohio State Board of Pharmacy, licence no. 02-1234567</p>")
    record = licence(html).facts["numbers"][0]
    assert record["authority"] == "Ohio State Board of Pharmacy"


@pytest.mark.parametrize(
    "html",
    [
        "<p>Company registration number 01234567. VAT no. GB123456789.</p>",
        "<p>Business license no. 55-1234 issued by the city.</p>",
        "<p>Order number 1234567 was shipped.</p>",
        "<p>Software licence: 2024-11 edition, registration 12345.</p>",  # no pharmacy word near it
    ],
)
def test_company_and_tax_numbers_are_not_a_pharmacy_licence(html):
    assert licence(page(html)).outcome == "pharmacist-licence-not-found"


def test_claim_without_number_is_a_warning():
    f = licence(page("<p>We are a fully licensed Canadian pharmacy.</p>"))
    assert f.outcome == "pharmacist-licence-claimed-without-number" and f.status == WARN
    assert "licensed" in f.evidence[0].quote


def test_denial_is_not_a_claim():
    f = licence(page("<p>This website is not a licensed pharmacy and sells dietary supplements.</p>"))
    assert f.outcome == "pharmacist-licence-not-found" and f.status == FAIL
    assert f.facts["negated_claims"]


def test_seal_without_number_is_a_warning():
    html = page('<img src="/img/cipa-seal.png" alt="CIPA certified">')
    f = licence(html)
    assert f.outcome == "pharmacist-licence-seal-without-number" and f.status == WARN
    assert f.evidence[0].where == "image"


def test_seal_that_links_to_its_issuer_is_noted():
    html = page('<a href="https://www.legitscript.com/websites/?checker_keywords=pharmacy.example">'
                '<img src="/ls.png" alt="Verify LegitScript approval"></a>')  # fmt: skip
    f = licence(html)
    assert f.outcome == "pharmacist-licence-seal-without-number"
    assert f.facts["verify_links"] == ["https://www.legitscript.com/websites/?checker_keywords=pharmacy.example"]
    assert "open the seal's link" in f.message


def test_number_wins_over_seals_and_claims():
    html = page("<p>A licensed pharmacy.</p><img src='pcab.png' alt='PCAB accredited'><p>NCPDP 1234567</p>")
    f = licence(html)
    assert f.outcome == "pharmacist-licence-number-shown"
    assert f.facts["seals"]


def test_licence_on_another_page_is_found():
    pages = {START: page("<p>Welcome</p>"), START + "licence": page("<p>GPhC registration number 1234567</p>")}
    f = licence(pages, roles={START + "licence": "licence"})
    assert f.outcome == "pharmacist-licence-number-shown"
    assert f.evidence[0].url == START + "licence"


def test_no_licence_fails():
    f = licence(page("<p>Buy now, best prices.</p>"))
    assert f.outcome == "pharmacist-licence-not-found" and f.status == FAIL
    assert f.searched == [START]


def test_no_pages_read():
    findings = list(pharmacist.check(make_site({START: ""})))
    assert [f.outcome for f in findings] == ["pharmacist-not-checked"]
    assert findings[0].status == NOT_APPLICABLE


def test_documentation():
    assert pharmacist.ID == "pharmacist"
    doc = " ".join((pharmacist.__doc__ or "").split())
    for words in ("BeSafeRx", "Consult your doctor or pharmacist before use", "does not certify"):
        assert words in doc
