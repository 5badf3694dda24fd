"""The contact rule: street address with country, valid phone, e-mail or form, contact page, and
whether the address and the phone agree. Small pages written for each case; pass, fail and tricky."""

from __future__ import annotations

import pytest

from pharmcheck.findings import FAIL, NOT_APPLICABLE, PASS, WARN
from pharmcheck.rules import contact
from tests.helpers import make_site

START = "https://pharmacy.example/"


def run(pages, **kwargs):
    site = make_site(pages, **kwargs)
    findings = list(contact.check(site))
    texts = [p.text for p in site.pages]
    for f in findings:  # every code is documented, and text evidence is quoted from a page
        assert f.outcome in contact.OUTCOMES, f.outcome
        for e in f.evidence:
            if e.where == "text" and "<address>" not in e.why:
                assert any(e.quote.rstrip("…") in t for t in texts), e.quote
    return {f.outcome: f for f in findings}


def only(findings, prefix):
    """The one finding whose outcome starts with ``prefix`` (each signal yields exactly one)."""
    matching = [f for code, f in findings.items() if code.startswith(prefix)]
    assert len(matching) == 1, [f.outcome for f in matching]
    return matching[0]


def page(body: str, title: str = "Pharmacy") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


# ----------------------------------------------------------------------------------------------
# Addresses


@pytest.mark.parametrize(
    "html, country, quote",
    [
        ("<p>Visit us: 1200 Market Street, Suite 4, Philadelphia, PA 19107</p>", "US",
         "1200 Market Street, Suite 4, Philadelphia, PA 19107"),
        ("<footer>12 High Street, Leeds LS1 4AB</footer>", "GB", "12 High Street, Leeds LS1 4AB"),
        ("<div>250 Yonge St, Toronto, ON M5B 2L7</div>", "CA", "250 Yonge St, Toronto, ON M5B 2L7"),
        ("<p>Apotheke am Dom, Friedrichstraße 12, 10115 Berlin, Germany.</p>", "DE",
         "Friedrichstraße 12, 10115 Berlin, Germany"),
        ("<p>12 rue de la Paix, 75002 Paris, France</p>", "FR", "12 rue de la Paix, 75002 Paris, France"),
        ("<p>Via Roma 10, 00184 Roma, Italia</p>", "IT", "Via Roma 10, 00184 Roma, Italia"),
        ("<p>Level 3, 100 George Street, Sydney NSW 2000</p>", "AU", "100 George Street, Sydney NSW 2000"),
        ("<p>14 MG Road, Fort, Mumbai - 400001, India</p>", "IN", "14 MG Road, Fort, Mumbai - 400001, India"),
        # the address split over lines, as footers are
        ("<p>24 Terracon Place</p><p>Winnipeg, MB R2J 4G7</p><p>Canada</p>", "CA",
         "24 Terracon Place Winnipeg, MB R2J 4G7 Canada"),
    ],
)  # fmt: skip
def test_street_address_with_country_passes(html, country, quote):
    f = only(run(page(html)), "contact-address")
    assert f.outcome == "contact-address-found" and f.status == PASS
    assert f.facts["countries"] == [country]
    assert f.evidence[0].quote == quote
    assert f.evidence[0].url == START


def test_country_named_on_the_page_wins_over_the_postcode_format():
    # A UK-format postcode followed by "Canada" is odd, but the page says Canada: report what it says.
    f = only(run(page("<p>1 Bay Street, Toronto M1 1AA, Canada</p>")), "contact-address")
    assert f.facts["countries"] == ["CA"]
    assert "named on the page" in f.evidence[0].why


def test_address_without_its_country_is_a_warning():
    f = only(run(page("<p>Keizersgracht 123, 1015 CJ Amsterdam</p>")), "contact-address")
    assert f.outcome == "contact-address-country-unknown" and f.status == WARN
    assert f.evidence[0].quote == "Keizersgracht 123, 1015 CJ Amsterdam"


def test_address_element_is_read_even_without_a_postcode():
    html = page("<address>Apotheke am Markt<br>Markt 5<br>Bremen<br>Germany</address>")
    f = only(run(html), "contact-address")
    assert f.outcome == "contact-address-found"
    assert f.facts["countries"] == ["DE"]
    assert "<address>" in f.evidence[0].why
    # without the element the same words are not enough (no street word, no postcode)
    plain = page("<p>Apotheke am Markt, Markt 5, Bremen, Germany</p>")
    assert only(run(plain), "contact-address").outcome == "contact-address-missing"


def test_po_box_alone_is_not_a_street_address():
    f = only(run(page("<p>Write to PO Box 1234, Nassau, Bahamas</p>")), "contact-address")
    assert f.outcome == "contact-address-po-box-only" and f.status == WARN
    assert f.facts["countries"] == ["BS"]
    assert f.evidence[0].quote == "PO Box 1234, Nassau, Bahamas"


def test_po_box_with_a_postcode_is_still_a_po_box():
    f = only(run(page("<p>P.O. Box 123, Toronto, ON M5B 2L7</p>")), "contact-address")
    assert f.outcome == "contact-address-po-box-only"


def test_po_box_next_to_a_street_address_passes():
    html = page("<p>Mail: PO Box 99, Leeds LS2 7AA</p><p>Shop: 12 High Street, Leeds LS1 4AB</p>")
    f = only(run(html), "contact-address")
    assert f.outcome == "contact-address-found"
    assert f.facts["po_boxes"] == 1


def test_no_address_fails_and_lists_the_pages_searched():
    pages = {START: page("<p>Cheap pills, fast shipping.</p>"), START + "about": page("<p>We care.</p>")}
    f = only(run(pages), "contact-address")
    assert f.outcome == "contact-address-missing" and f.status == FAIL
    assert f.searched == [START, START + "about"]
    assert "2 pages" in f.message


@pytest.mark.parametrize(
    "html",
    [
        "<p>Order 12345 shipped on 2019-04-12 from warehouse 7.</p>",  # numbers, but no street before them
        "<p>Take 2 tablets with 10115 mg? Berlin is a city.</p>",  # a 5-digit number and a town, no street
        "<p>Since 2001 we have filled over 7 million orders. Updated 2020-11-05.</p>",
    ],
)
def test_numbers_that_are_not_addresses(html):
    assert only(run(page(html)), "contact-address").outcome == "contact-address-missing"


# ----------------------------------------------------------------------------------------------
# Phones


def test_valid_phone_reported_in_e164_with_its_region():
    f = only(run(page("<p>12 High Street, Leeds LS1 4AB</p><p>Tel: 0113 496 0000</p>")), "contact-phone")
    assert f.outcome == "contact-phone-found" and f.status == PASS
    phone = f.facts["phones"][0]
    assert phone["e164"] == "+441134960000" and phone["region"] == "GB"
    assert "0113 496 0000" in f.evidence[0].quote
    # the national number was read as British because of the address
    assert f.facts["regions_tried"][0].startswith("GB (address")


def test_region_from_the_country_code_domain():
    f = only(run({"https://chemist.example.co.uk/": page("<p>Call 0113 496 0000</p>")}), "contact-phone")
    assert f.outcome == "contact-phone-found"
    assert f.facts["phones"][0]["e164"] == "+441134960000"


def test_us_is_only_a_fallback_when_nothing_else_is_known():
    # Nothing says where the site is: "US" is tried, and a British national number is not valid there.
    f = only(run(page("<p>Call 0113 496 0000</p>")), "contact-phone")
    assert f.outcome == "contact-phone-invalid"
    assert f.facts["regions_tried"] == ["US (fallback: nothing else known)"]
    # A number with its country code needs no guess at all.
    f = only(run(page("<p>Call +44 113 496 0000</p>")), "contact-phone")
    assert f.facts["phones"][0]["region"] == "GB"


def test_toll_free_numbers_count():
    f = only(run(page("<p>Toll-free: 1-800-226-3784</p>")), "contact-phone")
    assert f.outcome == "contact-phone-found"
    assert f.facts["phones"][0]["type"] == "toll-free"
    assert f.facts["phones"][0]["shared_plan"] == "+1"  # a 1-800 number is not tied to one country


def test_tel_link_counts():
    f = only(run(page('<a href="tel:+12152386000">Call our store</a>')), "contact-phone")
    assert f.outcome == "contact-phone-found"
    assert f.evidence[0].where == "link"
    assert f.facts["phones"][0]["e164"] == "+12152386000"


def test_invalid_number_is_a_warning_not_evidence():
    f = only(run(page("<p>Call us: 555-0199 or 123-456-7890</p>")), "contact-phone")
    assert f.outcome == "contact-phone-invalid" and f.status == WARN
    assert "phones" not in f.facts
    assert f.searched == [START]


def test_fax_is_not_a_phone():
    f = only(run(page("<p>Fax: (215) 238-6001</p>")), "contact-phone")
    assert f.outcome == "contact-phone-missing" and f.status == FAIL
    assert f.facts["fax"] == ["(215) 238-6001"]
    f = only(run(page("<p>Phone: (215) 238-6000</p><p>Fax: (215) 238-6001</p>")), "contact-phone")
    assert [p["e164"] for p in f.facts["phones"]] == ["+12152386000"]


@pytest.mark.parametrize(
    "html",
    [
        "<p>NDC 0093-7146-56, 90 tablets</p>",
        "<p>Updated 2020-11-05, lot 2020-11-06</p>",
        "<p>Order #2152386000 was shipped.</p>",
        "<p>Save $12.99 on 30 tablets of 20 mg.</p>",
    ],
)
def test_numbers_that_are_not_phones(html):
    assert only(run(page(html)), "contact-phone").outcome == "contact-phone-missing"


def test_no_phone_fails():
    f = only(run(page("<p>Write to us.</p>")), "contact-phone")
    assert f.outcome == "contact-phone-missing" and f.status == FAIL
    assert f.searched == [START]


# ----------------------------------------------------------------------------------------------
# E-mail and contact forms


def test_mailto_link():
    f = only(run(page('<a href="mailto:help@pharmacy.example?subject=Hi">Write to us</a>')), "contact-email")
    assert f.outcome == "contact-email-found" and f.status == PASS
    assert f.facts["emails"] == ["help@pharmacy.example"]
    assert f.evidence[0].where == "link"


def test_email_in_the_text():
    f = only(run(page("<p>E-mail: care@pharmacy.example</p>")), "contact-email")
    assert f.outcome == "contact-email-found"
    assert "care@pharmacy.example" in f.evidence[0].quote


def test_image_names_are_not_emails():
    f = only(run(page("<p>logo@2x.png</p>")), "contact-email")
    assert f.outcome == "contact-email-missing"


def test_cloudflare_protected_email_is_decoded():
    # Cloudflare replaces the address by "[email protected]" and keeps it XOR-encoded in data-cfemail.
    key, address = 0x42, "info@pharmacy.example"
    encoded = f"{key:02x}" + "".join(f"{ord(c) ^ key:02x}" for c in address)
    html = page(f'<a href="/cdn-cgi/l/email-protection" class="__cf_email__" data-cfemail="{encoded}">[email&#160;protected]</a>')
    f = only(run(html), "contact-email")
    assert f.outcome == "contact-email-found"
    assert f.facts["emails"] == [address]


def test_contact_form_counts():
    form = ('<form action="/contact/send" method="post"><input type="text" name="name">'
            '<input type="email" name="email"><textarea name="message"></textarea></form>')  # fmt: skip
    f = only(run(page(form)), "contact-email")
    assert f.outcome == "contact-email-found"
    assert f.facts["forms"] == 1
    assert f.evidence[0].where == "form"


@pytest.mark.parametrize(
    "form",
    [
        '<form action="/"><textarea></textarea><button>Submit</button></form>',  # a comment box, no reply path
        '<form action="/newsletter"><input type="email" name="email"></form>',  # newsletter sign-up
        '<form action="/login"><input type="email" name="user"><input type="password" name="pw"></form>',
        '<form action="/wp-comments-post.php"><input name="email"><textarea name="comment"></textarea></form>',
    ],
)
def test_forms_that_are_not_contact_forms(form):
    assert only(run(page(form)), "contact-email").outcome == "contact-email-missing"


def test_free_webmail_only_is_a_warning():
    f = only(run(page("<p>Questions? rxdeals2020@gmail.com</p>")), "contact-email")
    assert f.outcome == "contact-email-webmail-only" and f.status == WARN
    # an own-domain address beside it is fine
    f = only(run(page("<p>rxdeals2020@gmail.com or care@pharmacy.example</p>")), "contact-email")
    assert f.outcome == "contact-email-found"
    # a company's own "mail." host is not webmail
    f = only(run(page("<p>Write to care@mail.pharmacy-example.com</p>")), "contact-email")
    assert f.outcome == "contact-email-found" and not f.facts["webmail_only"]


# ----------------------------------------------------------------------------------------------
# Contact page


def test_contact_link():
    f = only(run(page('<a href="/contact-us">Contact Us</a>')), "contact-page")
    assert f.outcome == "contact-page-found" and f.status == PASS
    assert f.facts["contact_pages"] == ["https://pharmacy.example/contact-us"]


def test_contact_page_read_by_the_crawler():
    pages = {START: page("<p>Home</p>"), START + "help": page("<p>Reach us</p>", title="Help")}
    f = only(run(pages, roles={START + "help": "contact"}), "contact-page")
    assert f.outcome == "contact-page-found"
    assert f.evidence[0].url == START + "help"


def test_contact_lenses_are_not_a_contact_page():
    html = page('<a href="/shop/contact-lenses">Contact Lenses</a><a href="/contact_lens_care">Lens care</a>')
    assert only(run(html), "contact-page").outcome == "contact-page-missing"


def test_contact_link_to_another_site_does_not_count():
    html = page('<a href="https://www.facebook.com/contact">Contact us on Facebook</a>')
    f = only(run(html), "contact-page")
    assert f.outcome == "contact-page-missing" and f.status == WARN


# ----------------------------------------------------------------------------------------------
# Do the address and the phone agree?


def test_countries_agree():
    html = page("<p>250 Yonge St, Toronto, ON M5B 2L7, Canada</p><p>Phone: 416-598-8560</p>")
    f = only(run(html), "contact-country")
    assert f.outcome == "contact-country-match" and f.status == PASS


def test_north_american_toll_free_fits_canada():
    html = page("<p>250 Yonge St, Toronto, ON M5B 2L7, Canada</p><p>Toll-free: +1 800 226 3784</p>")
    assert only(run(html), "contact-country").outcome == "contact-country-match"


def test_canadian_address_with_only_a_philippine_phone_is_a_warning():
    html = page("<p>Canada Pharmacy, 250 Yonge St, Toronto, ON M5B 2L7, Canada</p><p>Call us: +63 2 8123 4567</p>")
    f = only(run(html), "contact-country")
    assert f.outcome == "contact-country-mismatch" and f.status == WARN
    assert f.facts == {"address_countries": ["CA"], "phone_regions": ["PH"]}
    assert any("+63 2 8123 4567" in e.quote for e in f.evidence)


def test_one_local_phone_among_foreign_ones_is_a_match_that_names_the_others():
    html = page("<p>250 Yonge St, Toronto, ON M5B 2L7, Canada</p><p>Phone: 416-598-8560, +63 2 8123 4567</p>")
    f = only(run(html), "contact-country")
    assert f.outcome == "contact-country-match"
    assert f.facts["foreign_phones"] == ["+63281234567"]


@pytest.mark.parametrize(
    "html",
    ["<p>Call +63 2 8123 4567</p>", "<p>250 Yonge St, Toronto, ON M5B 2L7</p>", "<p>Nothing here</p>"],
)
def test_comparison_not_applicable_without_both(html):
    f = only(run(page(html)), "contact-country")
    assert f.outcome == "contact-country-unknown" and f.status == NOT_APPLICABLE


# ----------------------------------------------------------------------------------------------
# Whole sites


FOOTER = ("<footer><p>Example Pharmacy Ltd, 12 High Street, Leeds LS1 4AB</p>"
          "<p>Tel: 0113 496 0000</p><p><a href='mailto:care@pharmacy.example'>care@pharmacy.example</a></p>"
          "<p><a href='/contact'>Contact us</a></p></footer>")  # fmt: skip


def test_footer_on_every_page_gives_one_item_each():
    pages = {START + name: page(f"<h1>{name}</h1>{FOOTER}") for name in ("", "about", "faq")}
    found = run(pages)
    for prefix in ("contact-address", "contact-phone", "contact-email", "contact-page"):
        f = only(found, prefix)
        assert f.status == PASS, f.outcome
    phone = only(found, "contact-phone")
    assert len(phone.evidence) == 1
    assert phone.evidence[0].why.endswith("(shown on 3 pages)")
    assert phone.facts["phones"][0]["pages"] == 3
    assert len(only(found, "contact-address").evidence) == 1
    email = only(found, "contact-email")
    assert len(email.evidence) == 1  # the mailto: link and the same address in its text: one address
    assert email.evidence[0].why.endswith("(shown on 3 pages)")
    assert len(only(found, "contact-page").evidence) == 1


def test_details_on_the_contact_page_only():
    pages = {START: page("<p>Welcome</p>"), START + "contact": page(FOOTER)}
    found = run(pages, roles={START + "contact": "contact"})
    assert only(found, "contact-address").evidence[0].url == START + "contact"
    assert only(found, "contact-phone").status == PASS


def test_no_pages_read():
    site = make_site({START: ""})  # an empty body is not parsed into a page
    findings = list(contact.check(site))
    assert [f.outcome for f in findings] == ["contact-not-checked"]
    assert findings[0].status == NOT_APPLICABLE


def test_every_signal_is_reported_once():
    findings = list(contact.check(make_site(page(FOOTER))))
    prefixes = ["contact-address", "contact-phone", "contact-email", "contact-page", "contact-country"]
    assert [next(p for p in prefixes if f.outcome.startswith(p)) for f in findings] == prefixes


def test_documentation():
    assert contact.ID == "contact"
    doc = " ".join((contact.__doc__ or "").split())
    for words in ("BeSafeRx", "PO box", "phonenumbers", "does not certify"):
        assert words in doc


@pytest.mark.parametrize(
    ("html", "country"),
    [
        ("<p>Rosen Apotheke, Ottmannshofer Straße 19, 88299 Leutkirch</p>", "DE"),
        ("<p>Pharmacie du Marché, 12 rue Mercière, 69002 Lyon</p>", "FR"),
        ("<p>Farmacia Centrale, Via Roma 12, 20121 Milano</p>", "IT"),
        ("<p>Farmacia Sol, Calle Mayor 5, 28013 Madrid</p>", "ES"),
    ],
)
def test_a_street_word_names_the_country_of_a_five_digit_postcode(html, country):
    f = only(run(page(html)), "contact-address")
    assert f.outcome == "contact-address-found" and f.facts["countries"] == [country]


def test_five_digits_with_no_street_word_name_no_country():
    f = only(run(page("<p>Order number 12 in queue, 28013 Madrid</p>")), "contact-address")
    assert f.outcome != "contact-address-found" or f.facts["countries"] != ["ES"]
