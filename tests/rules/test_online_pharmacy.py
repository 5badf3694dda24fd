"""The online-pharmacy gate, and the drug vocabulary it shares with the prescription rule."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from pharmcheck.findings import INFO, NOT_APPLICABLE
from pharmcheck.rules import _drugs, online_pharmacy
from tests.helpers import make_site

REAL_PAGES = Path(__file__).resolve().parents[3] / "shared" / "data" / "real-pages"


def run(pages, **kw):
    site = make_site(pages, **kw)
    findings = list(online_pharmacy.check(site))
    assert len(findings) == 1
    return findings[0]


def page(body: str, title: str = "Shop") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


# ----------------------------------------------------------------------------------------------
# The vocabulary


def test_vocabulary_is_large_and_consistent():
    assert len(_drugs.DRUGS) >= 150
    generics = {d.generic for d in _drugs.DRUGS.values()}
    assert len(generics) >= 100
    for drug in _drugs.DRUGS.values():
        assert drug.generic and drug.name and drug.group


@pytest.mark.parametrize(
    ("name", "generic", "controlled"),
    [
        ("Viagra", "sildenafil", False),
        ("cialis", "tadalafil", False),
        ("XANAX", "alprazolam", True),
        ("OxyContin", "oxycodone", True),
        ("Adderall", "amphetamine/dextroamphetamine", True),
        ("Provigil", "modafinil", True),
        ("phentermine", "phentermine", True),
        ("Ozempic", "semaglutide", False),
        ("Wegovy", "semaglutide", False),
        ("Mounjaro", "tirzepatide", False),
        ("Zepbound", "tirzepatide", False),
        ("Accutane", "isotretinoin", False),
        ("Propecia", "finasteride", False),
        ("Retin A", "tretinoin", False),
        ("Anavar", "oxandrolone", True),
        ("Ambien", "zolpidem", True),
        ("Zoloft", "sertraline", False),
        ("Lipitor", "atorvastatin", False),
        ("Valtrex", "valacyclovir", False),
        ("amoxicillin", "amoxicillin", False),
    ],
)
def test_lookup(name, generic, controlled):
    drug = _drugs.lookup(name)
    assert drug is not None
    assert drug.generic == generic
    assert drug.controlled is controlled


def test_names_that_are_common_words_or_over_the_counter_are_left_out():
    for word in ("Soma", "Sonata", "Actos", "insulin", "HGH", "naloxone", "omeprazole", "minoxidil", "ibuprofen"):
        assert _drugs.lookup(word) is None, word


def test_find_drugs_uses_word_boundaries():
    text = "Viagrafix and preViagra are not drugs; Viagra, CIALIS and Retin-A are; so is Z-Pak."
    found = [(m.group(0), d.generic) for m, d in _drugs.find_drugs(text)]
    assert found == [("Viagra", "sildenafil"), ("CIALIS", "tadalafil"), ("Retin-A", "tretinoin"), ("Z-Pak", "azithromycin")]


def test_page_drugs_finds_mentions_with_offsets_in_page_text():
    site = make_site(page("<p>Buy <b>Xanax</b> 2mg and <i>valium</i> today. Also Lipitor, Crestor, Zocor, Plavix, "
                          "Norvasc, Nexium, Singulair and Advair.</p>"))
    p = site.pages[0]
    mentions = _drugs.page_drugs(p)
    assert [m.drug.generic for m in mentions][:2] == ["alprazolam", "diazepam"]
    for m in mentions:
        assert p.text[m.start : m.end] == m.name
    # Many names on one page take the single-pass road: the same answer.
    assert {m.drug.generic for m in mentions} >= {"atorvastatin", "rosuvastatin", "simvastatin", "clopidogrel",
                                                  "amlodipine", "montelukast", "fluticasone/salmeterol"}


# ----------------------------------------------------------------------------------------------
# Offers


def test_price_and_pack_size_make_a_strong_offer():
    site = make_site(page("<div><h3>Viagra 100mg</h3><p>30 pills x 100 mg</p><p>$39.90</p></div>"))
    offers = _drugs.rx_offers(site)
    assert [(o.drug.generic, o.strength, o.where) for o in offers] == [("sildenafil", _drugs.STRONG, "text")]
    assert "Viagra" in offers[0].quote


def test_add_to_cart_makes_a_strong_offer():
    site = make_site(page("<p>Ambien 10 mg</p><button>Add to cart</button>"))
    assert [o.strength for o in _drugs.rx_offers(site)] == [_drugs.STRONG]


def test_a_bare_price_is_a_weak_offer_and_one_drug_is_not_enough():
    site = make_site(page("<p>Valtrex from $2</p>"))
    offers = _drugs.rx_offers(site)
    assert [o.strength for o in offers] == [_drugs.WEAK]
    assert _drugs.sells_rx(site) == []


def test_weak_offers_of_two_drugs_are_enough():
    site = make_site(page("<p>Valtrex from $2.</p><p>Zoloft from $1.</p>"))
    assert {o.drug.generic for o in _drugs.sells_rx(site)} == {"valacyclovir", "sertraline"}


def test_buy_link_to_a_product_page_is_an_offer():
    site = make_site(page('<a href="/products/xanax-2mg">Buy Xanax</a>'), )
    offers = _drugs.rx_offers(site)
    assert [(o.drug.generic, o.where) for o in offers] == [("alprazolam", "link")]
    assert "/products/xanax-2mg" in offers[0].quote


def test_image_link_with_the_drug_only_in_the_address_is_an_offer():
    site = make_site(page('<a href="/shop/cialis-20mg"><img src="/i/1.png" alt=""></a>'))
    assert [o.drug.generic for o in _drugs.rx_offers(site)] == ["tadalafil"]


def test_link_to_a_drug_information_page_is_not_an_offer():
    site = make_site(page('<a href="/drugs/viagra">Viagra</a> <a href="/drugs/cialis">Cialis: uses and side effects</a>'))
    assert _drugs.rx_offers(site) == []


def test_add_to_cart_form_on_a_drug_page_is_an_offer():
    html = ("<html><head><title>Cialis 20 mg</title></head><body><p>Cialis</p>"
            '<form action="/cart/add" method="post"><input name="qty" value="1"><button>Add</button></form></body></html>')
    offers = _drugs.rx_offers(make_site(html))
    assert ("tadalafil", "form") in {(o.drug.generic, o.where) for o in offers}


@pytest.mark.parametrize(
    "text",
    [
        "Bye bye, Viagra! Order Truvalast today for $39.95.",
        "Truvalast works better than Viagra: order now, $39.95 a bottle.",
        "A natural alternative to Xanax: 60 capsules $29.99 add to cart.",
        "Herbal Viagra 60 capsules $19.99 add to cart",
        "Viagra-like results, 30 capsules $29.99, add to cart",
        "We tried everything besides Viagra or Cialis. Trial bottle $4.95, add to cart.",
    ],
)
def test_a_drug_named_in_a_comparison_is_not_offered(text):
    assert _drugs.rx_offers(make_site(page(f"<p>{text}</p>"))) == []


@pytest.mark.parametrize(
    "text",
    [
        "It is illegal to buy Xanax online without a prescription.",
        "Is it safe to buy Viagra online?",
        "Never buy Adderall from a website.",
        "Beware of sites that sell Ozempic for $99.",
        "Brand Viagra costs about $70 per pill without insurance.",
        "We do not sell Xanax.",
    ],
)
def test_a_drug_in_a_warning_or_in_price_information_is_not_offered(text):
    assert _drugs.rx_offers(make_site(page(f"<p>{text}</p>"))) == []


def test_offers_are_cached_per_site_without_keeping_the_site_alive():
    site = make_site(page("<p>Viagra 100mg $1.20 per pill</p>"))
    first = _drugs.rx_offers(site)
    assert _drugs.rx_offers(site) is first
    assert online_pharmacy.detect(site) is online_pharmacy.detect(site)
    alive = weakref.ref(site)
    del site, first
    gc.collect()
    assert alive() is None  # the caches do not keep the site alive


# ----------------------------------------------------------------------------------------------
# Sentences and context


@pytest.mark.parametrize(
    ("sentence", "phrase", "expected"),
    [
        ("Buy Xanax online, no prescription needed!", "no prescription", _drugs.CLAIM),
        ("It is illegal to buy Xanax without a prescription.", "without a prescription", _drugs.WARNING),
        ("Beware of sites that offer drugs without a prescription.", "without a prescription", _drugs.WARNING),
        ("We never dispense medicines without a valid prescription.", "without a valid prescription", _drugs.REFUSAL),
        ("We do not sell Viagra, Cialis or Levitra without a prescription.", "without a prescription", _drugs.REFUSAL),
        ("Buying Xanax without a prescription is dangerous.", "without a prescription", _drugs.WARNING),
        ("Can I buy Viagra without a prescription? Ask your doctor.", "without a prescription", _drugs.QUESTION),
        ("No prescription? No problem!", "No prescription", _drugs.CLAIM),
        ("We don't charge for shipping, and no prescription is needed.", "no prescription", _drugs.CLAIM),
        ("Risk-free: order Xanax with no prescription.", "no prescription", _drugs.CLAIM),
    ],
)
def test_context(sentence, phrase, expected):
    site = make_site(page(f"<p>Welcome.</p><p>{sentence}</p><p>Thank you.</p>"))
    p = site.pages[0]
    start = p.text.index(phrase)
    assert _drugs.context(p, start, start + len(phrase)) == expected


def test_sentence_bounds_skip_initials_and_titles():
    site = make_site(page("<p>Shipped from the U.S. by Dr. Smith and his team today. Next sentence.</p>"))
    p = site.pages[0]
    start = p.text.index("team")
    lo, hi = _drugs.sentence_bounds(p, start, start + 4)
    assert p.text[lo:hi] == "Shipped from the U.S. by Dr. Smith and his team today."


# ----------------------------------------------------------------------------------------------
# The gate: detected


def test_shop_with_rx_offers_is_detected():
    finding = run(page(
        "<h1>Meds Direct</h1>"
        "<div><a href='/product/viagra'>Viagra 100mg</a><p>x 30 pills $39.90</p><button>Add to cart</button></div>"
        "<div><a href='/product/xanax'>Xanax 2mg</a><p>x 60 pills $89.00</p><button>Add to cart</button></div>"
    ))
    assert finding.outcome == "online-pharmacy-detected"
    assert finding.status == INFO
    assert "Viagra (sildenafil)" in finding.facts["rx_drugs_offered"]
    assert finding.facts["controlled_substances_offered"] == ["alprazolam"]
    assert online_pharmacy.OFFERS in finding.facts["strong_signals"]
    assert any(e.where == "link" and "/product/viagra" in e.quote for e in finding.evidence)


def test_pharmacy_sign_in_page_without_prices_is_detected():
    html = (
        "<html><head><title>Acme Mail Order Pharmacy | Sign In</title></head><body>"
        "<h2>Manage Your Prescriptions</h2>"
        "<a href='/rx/refill'>Refill your Rx</a> <a href='/rx/transfer'>Transfer your Rx</a>"
        "<form action='/login' method='post'><input name='user'><input type='password' name='pw'></form>"
        "</body></html>"
    )
    finding = run(html)
    assert finding.outcome == "online-pharmacy-detected"
    assert finding.facts["rx_drugs_offered"] == []
    assert online_pharmacy.SERVICES in finding.facts["strong_signals"]
    assert any(e.where == "link" and "Refill your Rx" in e.quote for e in finding.evidence)


def test_refill_form_is_a_pharmacy_service():
    html = page("<form action='/guestRefillCommand'><input name='dob'><input name='rxnumber'></form>", title="Welcome")
    assert run(html).outcome == "online-pharmacy-detected"


def test_pharmacy_licence_number_is_detected():
    finding = run(page("<p>Acme is licensed by the State Board of Pharmacy. Pharmacy license number 12345.</p>",
                       title="Acme"))
    assert finding.outcome == "online-pharmacy-detected"
    assert online_pharmacy.LICENCE in finding.facts["signals"]


def test_company_registration_number_is_not_a_pharmacy_licence():
    finding = run(page("<p>Acme Garden Ltd. Company registration number 08123456. VAT number 123456789.</p>",
                       title="Acme Garden"), )
    assert finding.outcome == "online-pharmacy-not-detected"


def test_two_weak_signs_of_different_kinds_are_enough():
    finding = run(page("<p>Welcome! We fill prescriptions six days a week.</p>", title="Corner Pharmacy"))
    assert finding.outcome == "online-pharmacy-detected"
    assert set(finding.facts["signals"]) == {online_pharmacy.SELF, online_pharmacy.SERVICES}


def test_one_weak_sign_is_not_enough():
    finding = run(page("<p>Opening hours: Monday to Friday.</p>", title="Corner Pharmacy"))
    assert finding.outcome == "online-pharmacy-not-detected"
    assert finding.facts["weak_signals"] == [online_pharmacy.SELF]


# ----------------------------------------------------------------------------------------------
# The gate: not detected


def test_supplement_advertorial_is_not_a_pharmacy():
    html = page(
        "<h1>Bye Bye, Viagra!</h1>"
        "<p>My husband tried Viagra and other little blue pills. Nothing worked.</p>"
        "<p>Truvalast works better than Viagra, and you can buy it without any prescription.</p>"
        "<p>I didn't believe that some pills besides Viagra or Cialis could help.</p>"
        "<a href='/offer'>Claim your trial: pay only $6.55</a> <a href='/offer'>Order Truvalast now</a>",
        title="Fixing Erectile Dysfunction",
    )
    finding = run(html)
    assert finding.outcome == "online-pharmacy-not-detected"
    assert finding.status == NOT_APPLICABLE
    assert finding.facts["drugs_mentioned_not_offered"] == ["Viagra", "Cialis"]
    assert finding.searched == ["https://pharmacy.example/"]


def test_health_information_page_is_not_a_pharmacy():
    html = page(
        "<h1>Sildenafil (Viagra)</h1>"
        "<p>Sildenafil is a prescription medicine. Common doses are 25 mg, 50 mg and 100 mg.</p>"
        "<p>Brand Viagra costs about $70 per pill without insurance; generic sildenafil may cost $2.</p>"
        "<p>It is illegal to buy Xanax online without a prescription. Is it safe to buy Viagra online?</p>"
        "<p>Ask your pharmacist to refill your prescription in time.</p>"
        "<a href='/drugs/viagra'>Viagra</a> <a href='/blog/online-pharmacies'>How to spot a fake online pharmacy</a>",
        title="Sildenafil: uses, doses and warnings - Health Guide",
    )
    assert run({"https://health.example/viagra": html}).outcome == "online-pharmacy-not-detected"


def test_cosmetics_shop_is_not_a_pharmacy():
    html = page(
        "<h1>The best drugstore makeup</h1>"
        "<div><a href='/product/mascara'>Volume mascara</a> $8.99 <button>Add to cart</button></div>"
        "<div><a href='/product/retinol-serum'>Retinol serum 30 ml</a> $19.99 In stock</div>"
        "<div><a href='/product/spf50'>Sunscreen SPF 50</a> $12.50 <button>Add to bag</button></div>",
        title="Glow - drugstore beauty",
    )
    assert run({"https://glow.example/": html}).outcome == "online-pharmacy-not-detected"


def test_pet_shop_is_not_a_pharmacy():
    html = page(
        "<div><a href='/product/dog-food-12kg'>Dog food 12 kg</a> $49.99 <button>Add to cart</button></div>"
        "<div><a href='/product/flea-collar'>Flea and tick collar</a> $24.99 In stock</div>"
        "<div><a href='/product/cat-tree'>Cat tree</a> $89.00 <button>Add to cart</button></div>",
        title="Happy Paws Pet Supplies",
    )
    assert run({"https://paws.example/": html}).outcome == "online-pharmacy-not-detected"


def test_article_about_online_pharmacies_is_not_a_pharmacy():
    html = page(
        "<p>Many people now buy medicines from an online pharmacy. Look for a licensed pharmacy that asks for a"
        " prescription, and check the pharmacy license number on the state board's website.</p>",
        title="How to buy medicines online safely",
    )
    assert run({"https://news.example/a": html}).outcome == "online-pharmacy-not-detected"


def test_warning_link_is_not_an_offer():
    html = page("<a href='/blog/buy-viagra-online'>Is it safe to buy Viagra online?</a>", title="Blog")
    assert run({"https://blog.example/": html}).outcome == "online-pharmacy-not-detected"


def test_empty_site_is_not_detected():
    finding = run("<html><head><title>x</title></head><body></body></html>")
    assert finding.outcome == "online-pharmacy-not-detected"


# ----------------------------------------------------------------------------------------------
# Real pages (a check, not a target): skipped when the shared data folder is absent


def _real(name: str):
    path = REAL_PAGES / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    return make_site({"https://saved.example/": path.read_text(encoding="utf-8", errors="replace")})


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        ("canadadrugs.com-2018.html", "online-pharmacy-detected"),
        ("caremark.com-2021-signin.html", "online-pharmacy-detected"),
        ("ed-supplement-advertorial-lander.html", "online-pharmacy-not-detected"),
    ],
)
def test_real_pages(name, outcome):
    findings = list(online_pharmacy.check(_real(name)))
    assert [f.outcome for f in findings] == [outcome]
