"""Clear contact details: a street address, a working phone number and a way to write.

What it checks
    Consumer guidance (FDA BeSafeRx; NABP's "safe online pharmacy" advice; the pharmacy boards) says a
    safe online pharmacy shows a physical street address in the country it claims to be in, a phone
    number that works, and a way to reach it. Rogue sites hide who and where they are. This rule looks
    at every page that was read, footers included, and reports five separate signals:

    1. **A street address with its country.** A house number and a street ("1200 Market Street",
       "Friedrichstraße 12", "12 rue de la Paix") followed by a postcode: a US state and ZIP code
       ("Philadelphia, PA 19107"), a UK postcode ("Leeds LS1 4AB"), a Canadian postal code
       ("Toronto, ON M5B 2L7"), an Australian state and postcode, or another 4-6 digit postcode with
       its town ("10115 Berlin, Germany"). The country is the one named after the postcode, or else
       the one its format implies. Text inside the page's ``<address>`` element is read as well.
       A PO box alone is not a street address (warning): anyone can rent one.
    2. **A phone number** that the ``phonenumbers`` library (Google's libphonenumber data) accepts as
       a valid number. The region used to read a number written without its country code is taken
       from the address country, then the site's country-code domain (``.ca``, ``.co.uk``), then the
       page language (``en-GB``), then international ``tel:`` links; only when nothing is known is
       "US" tried. Numbers are reported in E.164 form (``+12152386000``) with their region.
       Toll-free numbers count. Fax numbers do not. A number that is not valid is not evidence.
    3. **An e-mail address or a contact form** (a ``mailto:`` link, an address in the text, an
       address hidden by Cloudflare's e-mail protection, or a form that asks for an e-mail address or
       a message). A site whose only address is a free webmail one (Gmail, Yahoo, ...) gets a warning.
    4. **A contact page**: a page the crawler read as the contact page, or a link on the site whose
       text or address says "contact" / "contact us".
    5. **Do the address country and the phone region agree?** A site that claims a Canadian address
       but gives only a Philippine phone number shows a warning sign. Toll-free numbers are
       counted for every country of their numbering plan (a 1-800 number fits the US and Canada).
       If the site shows no address or no valid phone, this is not applicable.

Passes
    ``24 Terracon Place, Winnipeg, MB R2J 4G7, Canada`` / ``Toll-free: 1-800-226-3784`` /
    ``mailto:help@pharmacy.example`` / a "Contact us" link.

Fails or warns
    No address anywhere; "PO Box 1234, Nassau" only; "Call 555-0199" (not a valid number);
    a Canadian address with only a ``+63`` phone number.

Limits
    Addresses are recognised by their shape, not looked up: a street that exists nowhere, or a
    mail-drop at a real address, passes. A street without a street word or a house number
    ("Damrak 1", "Am Markt, Bremen") is missed unless it sits in an ``<address>`` element with its
    country. Phone numbers are checked for being valid numbers, not dialled; labels are read in
    English ("Call", "Tel", "Fax"). Evidence that repeats on every page (footers) is shown once, with
    the number of pages that showed it. On a page crowded with numbers (a long product list), only
    the first and last few hundred postcode- or phone-like strings are read: the header and the
    footer, where a site puts its own details.

What to do
    Check that the address is a real pharmacy (a map, the regulator's register) and that the phone
    is answered by the pharmacy. Be wary of a site with no street address or with contact details
    from a different country than the one it claims. These are risk signals: pharmcheck does not
    certify a pharmacy.
"""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import unquote, urlsplit

from pharmcheck.findings import FAIL, NOT_APPLICABLE, PASS, WARN, Finding
from pharmcheck.lazyre import lazy_re
from pharmcheck.site import Page, Site, registered_domain

from ._text import (
    EvidenceBag,
    items_containing,
    keyword_positions,
    local_site,
)
from ._places import page_addresses
from ._phones import (
    Phone,
    _MAX_PHONE_PARSES,
    _parse_phone,
    _phone_sightings,
    _region_guesses,
)

ID = "contact"
TITLE = "Clear contact details"
OUTCOMES = {
    "contact-address-found": "A street address with its country is shown.",
    "contact-address-country-unknown": "A street address is shown, but not which country it is in.",
    "contact-address-po-box-only": "Only a PO box is shown: no street address.",
    "contact-address-missing": "No postal address was found on the pages read.",
    "contact-phone-found": "A valid phone number is shown.",
    "contact-phone-invalid": "Phone numbers are shown, but none is a valid number.",
    "contact-phone-missing": "No phone number was found on the pages read.",
    "contact-email-found": "An e-mail address or a contact form is offered.",
    "contact-email-webmail-only": "The only e-mail address is a free webmail one, and there is no contact form.",
    "contact-email-missing": "No e-mail address and no contact form were found.",
    "contact-page-found": "The site has a contact page.",
    "contact-page-missing": "No contact page or contact link was found.",
    "contact-country-match": "The address country and the phone number's country agree.",
    "contact-country-mismatch": "The address is in one country, every phone number in another.",
    "contact-country-unknown": "No address country or no valid phone: the two cannot be compared.",
    "contact-not-checked": "No page could be read, so contact details were not checked.",
}

# ----------------------------------------------------------------------------------------------
# E-mail, forms, contact pages

_EMAIL = lazy_re(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
_EMAIL_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
_MAX_AT_SIGNS = 100  # "@" read per page (the first and last half)
_NOT_EMAIL_TLDS = {"png", "jpg", "jpeg", "gif", "svg", "webp", "css", "js", "ico", "avif"}
# Free webmail providers, by the name of the registered domain (gmail.com, yahoo.co.uk, mail.ru, me.com).
_WEBMAIL_NAMES = {"gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "live", "msn", "aol", "mail",
                  "yandex", "protonmail", "proton", "qq", "163", "126", "icloud", "me", "gmx", "rediffmail",
                  "inbox", "rambler", "web"}  # fmt: skip
_CF_CODE = lazy_re(rb"""["']?([0-9a-fA-F]{4,200})""")
# "Contact lenses" is a product, not a contact page.
_CONTACT_LINK_TEXT = lazy_re(
    r"\bcontact(?!\s*lens)(?:\s+us)?\b|\bget\s+in\s+touch\b|\bkontakt\b|\bcontacto\b|\bcontactez\b|"
    r"\bnous\s+contacter\b|\bcontatti\b|\bcontattaci\b",
    re.I,
)
_CONTACT_WORDS = ("contact", "kontakt", "touch", "contatt")
_CONTACT_URL = lazy_re(r"contact(?![-_ ]?lens)|kontakt|contatti|get-in-touch", re.I)
_CONTACTISH = lazy_re(r"contact|enquir|inquir|message|feedback|support|question|kontakt|contacto|ask", re.I)
_MESSAGE_FIELD = lazy_re(r"message|enquiry|inquiry|question|subject|comments?|body|details|msg", re.I)


def _is_webmail(domain: str) -> bool:
    registered = registered_domain(f"http://{domain.lower()}/")
    return registered.split(".", 1)[0] in _WEBMAIL_NAMES


def _cloudflare_codes(page: Page) -> Iterator[bytes]:
    """The hex codes of Cloudflare-protected addresses (data-cfemail attributes, email-protection links)."""
    for code in page.protected_emails:
        m = _CF_CODE.match(code.encode("ascii", "replace"))
        if m:
            yield m.group(1)


def _cf_decode(hexed: bytes) -> str | None:
    try:
        data = bytes.fromhex(hexed.decode("ascii"))
    except ValueError:
        return None
    key = data[0]
    try:
        decoded = bytes(b ^ key for b in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return decoded if _EMAIL.fullmatch(decoded) else None


def _emails(page: Page, bag: EvidenceBag, webmail: dict[str, bool]) -> None:
    text = page.text
    for at in keyword_positions(text, ("@",), _MAX_AT_SIGNS):
        start = at
        while start > max(0, at - 64) and text[start - 1] in _EMAIL_LOCAL_CHARS:
            start -= 1
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        if start == at or domain is None:
            continue
        address = text[start : domain.end()].strip(".").lower()
        if address.rsplit(".", 1)[-1] in _NOT_EMAIL_TLDS:
            continue
        webmail[address] = _is_webmail(domain.group(0))
        bag.add(f"email:{address}", page.url, page.snippet(start, domain.end(), context=40), "text",
                "an e-mail address shown on the page")  # fmt: skip
    cloudflare_link = False
    for link in page.links:
        low = link.url.lower()
        if low.startswith("mailto:"):
            address = unquote(link.url[7:]).split("?", 1)[0].strip().lower()
            if _EMAIL.fullmatch(address):
                webmail[address] = _is_webmail(address.split("@", 1)[1])
                bag.add(f"email:{address}", page.url, link.url, "link", f"a mailto: link ({link.text or address})")
        elif "/cdn-cgi/l/email-protection" in low:
            cloudflare_link = True
    if cloudflare_link or page.protected_emails:
        decoded_any = False
        for m in _cloudflare_codes(page):
            address = _cf_decode(m)
            if address:
                decoded_any = True
                address = address.lower()
                webmail[address] = _is_webmail(address.split("@", 1)[1])
                bag.add(f"email:{address}", page.url, f"[email protected] -> {address}", "link",
                        "an e-mail address hidden by Cloudflare's e-mail protection, decoded from the page")  # fmt: skip
        if cloudflare_link and not decoded_any:
            bag.add("email:cloudflare", page.url, "[email protected]", "link",
                    "an e-mail address hidden by Cloudflare's e-mail protection")  # fmt: skip


def _contact_forms(page: Page, bag: EvidenceBag) -> None:
    page_contactish = page.role == "contact" or bool(_CONTACT_URL.search(urlsplit(page.url).path))
    for form in page.forms:
        if form.has_password or form.has_payment:
            continue
        action = form.action.lower()
        if "comment" in action or "search" in action:
            continue
        names = [f.split(":") for f in form.fields]
        padded = [parts + ["", ""] for parts in names]
        has_email = any(p[0] == "email" or "mail" in p[1] or "email" in p[2] for p in padded)
        has_textarea = any(p[0] == "textarea" for p in padded)
        has_message = any(_MESSAGE_FIELD.search(p[1]) for p in padded)
        contactish = page_contactish or bool(_CONTACTISH.search(urlsplit(form.action).path))
        if (has_textarea and (has_email or contactish)) or (has_email and (has_message or contactish) and len(names) >= 2):
            bag.add(f"form:{form.action}", page.url, f"<form action={form.action!r}> fields: {', '.join(form.fields)[:150]}",
                    "form", "a form that takes a message and a way to reply")  # fmt: skip


def _contact_pages(site: Site, bag: EvidenceBag) -> None:
    for page in site.pages:
        if page.role == "contact":
            bag.add(f"page:{page.url.rstrip('/')}", page.url, page.title or page.url, "title",
                    "the site's contact page was read")  # fmt: skip
    for page in site.pages:
        for i in items_containing([f"{link.text}\t{link.url}" for link in page.links], _CONTACT_WORDS):
            link = page.links[i]
            url, text = link.url, link.text
            if url.lower().startswith(("mailto:", "tel:")):
                continue
            by_text = len(text) <= 60 and bool(_CONTACT_LINK_TEXT.search(text))
            by_url = bool(_CONTACT_URL.search(urlsplit(url).path))
            if (by_text or by_url) and local_site(url, page.url):
                bag.add(f"page:{url.rstrip('/')}", page.url, f"{text} -> {url}" if text else url, "link",
                        "a link to the site's contact page")  # fmt: skip


# ----------------------------------------------------------------------------------------------
# The rule


def _describe(countries: set[str]) -> str:
    return ", ".join(sorted(countries)) or "none"


def check(site: Site) -> Iterator[Finding]:
    if not site.pages:
        yield Finding(outcome="contact-not-checked", status=NOT_APPLICABLE,
                      message="No page could be read, so contact details were not checked.")  # fmt: skip
        return
    searched = site.urls
    on_pages = f"on the {len(searched)} page{'s' if len(searched) != 1 else ''} read"

    # 1. Addresses
    streets = EvidenceBag()
    boxes = EvidenceBag()
    street_countries: list[str] = []
    box_countries: list[str] = []
    unknown_country = EvidenceBag()
    for page in site.pages:
        for addr in page_addresses(page):
            key = "".join(c for c in addr.quote.lower() if c.isalnum())
            where = "text"
            tag = " inside the page's <address> element" if addr.in_address_tag else ""
            if addr.kind == "po-box":
                boxes.add(key, addr.url, addr.quote, where, f"a PO box{tag}, not a street address")
                if addr.country and addr.country not in box_countries:
                    box_countries.append(addr.country)
            elif addr.country:
                how = "named on the page" if addr.how == "named" else "from the postcode format"
                streets.add(key, addr.url, addr.quote, where, f"a street address in {addr.country} ({how}){tag}")
                if addr.country not in street_countries:
                    street_countries.append(addr.country)
            else:
                unknown_country.add(key, addr.url, addr.quote, where, f"a street address; its country is not stated{tag}")
    if streets:
        yield Finding(
            outcome="contact-address-found", status=PASS,
            message=f"A street address is shown (country: {', '.join(street_countries)}). Check that it is a real pharmacy.",
            evidence=streets.evidence(),
            facts={"countries": street_countries, "addresses": len(streets), "po_boxes": len(boxes)},
        )  # fmt: skip
    elif unknown_country:
        yield Finding(
            outcome="contact-address-country-unknown", status=WARN,
            message="A street address is shown, but not which country it is in.",
            evidence=unknown_country.evidence(), facts={"addresses": len(unknown_country)},
        )  # fmt: skip
    elif boxes:
        yield Finding(
            outcome="contact-address-po-box-only", status=WARN,
            message="Only a PO box is given, no street address: a PO box does not show where the pharmacy is.",
            evidence=boxes.evidence(), searched=searched, facts={"countries": box_countries},
        )  # fmt: skip
    else:
        yield Finding(
            outcome="contact-address-missing", status=FAIL,
            message=f"No postal address was found {on_pages}. A safe online pharmacy shows its street address.",
            searched=searched,
        )  # fmt: skip

    # 2. Phones
    sightings = [s for page in site.pages for s in _phone_sightings(page)]
    address_countries = street_countries or box_countries
    regions, region_sources = _region_guesses(site, address_countries, sightings)
    phones: dict[str, Phone] = {}
    phone_bag = EvidenceBag()
    fax_numbers: list[str] = []
    invalid_bag = EvidenceBag(limit=4)
    # Parse each distinct number once; labelled ones and tel: links first, within a budget.
    parsed: dict[str, Phone | None] = {}
    for s in sorted(sightings, key=lambda s: (s.fax, not s.cued)):
        if s.key not in parsed and len(parsed) < _MAX_PHONE_PARSES and not s.fax:
            parsed[s.key] = _parse_phone(s.raw, regions)
    for s in sightings:
        if s.fax and s.key not in parsed:
            if s.raw not in fax_numbers:
                fax_numbers.append(s.raw)  # as written: a fax number is not read further
            continue
        if s.key not in parsed:
            continue
        phone = parsed[s.key]
        if phone is None:
            if s.cued and not s.fax:
                invalid_bag.add(s.key, s.page.url, s.quote, s.where, f"{s.raw!r} is not a valid phone number")
            continue
        if s.fax:
            if phone.e164 not in fax_numbers:
                fax_numbers.append(phone.e164)
            continue
        phones.setdefault(phone.e164, phone)
        if phone.e164 in phone_bag:
            phone_bag.add(phone.e164, s.page.url, None, s.where, "")
        else:
            phone_bag.add(phone.e164, s.page.url, s.quote, s.where, f"{phone.e164}: a valid {phone.kind} number ({phone.where})")
    if phones:
        listed = [{"e164": p.e164, "region": p.region, "type": p.kind, "shared_plan": p.shared_plan,
                   "pages": len(phone_bag.pages(p.e164))} for p in phones.values()]  # fmt: skip
        yield Finding(
            outcome="contact-phone-found", status=PASS,
            message=f"A valid phone number is shown ({', '.join(list(phones)[:3])}). Call it before you order.",
            evidence=phone_bag.evidence(),
            facts={"phones": listed, "fax": fax_numbers, "regions_tried": region_sources},
        )  # fmt: skip
    elif invalid_bag:
        yield Finding(
            outcome="contact-phone-invalid", status=WARN,
            message="Phone numbers are shown, but none of them is a valid number.",
            evidence=invalid_bag.evidence(), searched=searched,
            facts={"regions_tried": region_sources, "fax": fax_numbers},
        )  # fmt: skip
    else:
        yield Finding(
            outcome="contact-phone-missing", status=FAIL,
            message=f"No phone number was found {on_pages}. A safe online pharmacy gives a phone number you can call.",
            searched=searched, facts={"regions_tried": region_sources, "fax": fax_numbers},
        )  # fmt: skip

    # 3. E-mail or contact form
    email_bag = EvidenceBag()
    webmail: dict[str, bool] = {}
    form_bag = EvidenceBag(limit=3)
    for page in site.pages:
        _emails(page, email_bag, webmail)
        _contact_forms(page, form_bag)
    if email_bag or form_bag:
        only_webmail = bool(webmail) and all(webmail.values()) and not form_bag and "email:cloudflare" not in email_bag
        evidence = email_bag.evidence()[:4] + form_bag.evidence()
        facts = {"emails": sorted(webmail), "forms": len(form_bag), "webmail_only": only_webmail}
        if only_webmail:
            yield Finding(
                outcome="contact-email-webmail-only", status=WARN,
                message="The only e-mail address is a free webmail one; a pharmacy normally writes from its own domain.",
                evidence=evidence, facts=facts,
            )  # fmt: skip
        else:
            what = " and ".join(w for w, present in (("an e-mail address", email_bag), ("a contact form", form_bag)) if present)
            yield Finding(outcome="contact-email-found", status=PASS, message=f"The site offers {what}.",
                          evidence=evidence, facts=facts)  # fmt: skip
    else:
        yield Finding(
            outcome="contact-email-missing", status=FAIL,
            message=f"No e-mail address and no contact form were found {on_pages}.", searched=searched,
        )  # fmt: skip

    # 4. Contact page
    page_bag = EvidenceBag(limit=3)
    _contact_pages(site, page_bag)
    if page_bag:
        yield Finding(outcome="contact-page-found", status=PASS, message="The site has a contact page.",
                      evidence=page_bag.evidence(), facts={"contact_pages": [k[5:] for k in page_bag.keys()][:10]})  # fmt: skip
    else:
        yield Finding(outcome="contact-page-missing", status=WARN,
                      message=f"No contact page or contact link was found {on_pages}.", searched=searched)  # fmt: skip

    # 5. Do the address and the phone agree?
    claimed = set(address_countries)
    phone_regions: set[str] = set()
    for p in phones.values():
        phone_regions |= p.regions
    main_regions = {p.region for p in phones.values() if p.region}
    if not claimed or not phones:
        missing = "no address country" if not claimed else "no valid phone number"
        yield Finding(
            outcome="contact-country-unknown", status=NOT_APPLICABLE,
            message=f"The address country and the phone's country cannot be compared ({missing}).",
            facts={"address_countries": sorted(claimed), "phone_regions": sorted(main_regions)},
        )  # fmt: skip
    elif claimed & phone_regions:
        foreign = sorted(p.e164 for p in phones.values() if not (p.regions & claimed))
        yield Finding(
            outcome="contact-country-match", status=PASS,
            message=f"The address country ({_describe(claimed)}) and a phone number's country agree.",
            evidence=(streets.evidence() or boxes.evidence())[:1] + phone_bag.evidence()[:2],
            facts={"address_countries": sorted(claimed), "phone_regions": sorted(main_regions), "foreign_phones": foreign},
        )  # fmt: skip
    else:
        yield Finding(
            outcome="contact-country-mismatch", status=WARN,
            message=(f"The address is in {_describe(claimed)} but every phone number is from "
                     f"{_describe(main_regions)}: the site may not be where it says it is."),
            evidence=(streets.evidence() or boxes.evidence())[:2] + phone_bag.evidence()[:3],
            facts={"address_countries": sorted(claimed), "phone_regions": sorted(main_regions)},
        )  # fmt: skip

