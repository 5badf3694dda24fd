"""Tests of the ``prices`` rule, its price extraction (rules/_pricing.py) and its reference table."""

from __future__ import annotations

import importlib.util
import json
import math
import random
import time
from pathlib import Path

import pytest
from pharmcheck.rules import _price_pitches, _pricing, prices
from pharmcheck.rules._pricing import USD_PER_UNIT, extract_offers, load_reference

from pharmcheck.findings import FAIL, INFO, NOT_APPLICABLE, PASS, WARN
from tests.helpers import make_site

REPO = Path(__file__).resolve().parents[2]
TABLE_PATH = REPO / "rules" / "data" / "reference_prices.json"
TOOL_PATH = REPO / "tools" / "derive_reference_prices.py"
SHARED_PRICES = [REPO.parent / "shared" / "data" / "prices", Path("/work/shared/data/prices")]


def offers_of(html: str, title: str | None = None):
    if title is not None:
        html = f"<html><head><title>{title}</title></head><body>{html}</body></html>"
    page = make_site(html).pages[0]
    result = extract_offers(page)
    for offer in result.offers:  # the quote is always the exact text of the page
        assert page.text[offer.start : offer.end] == offer.quote
    return result.offers


def findings(html_or_pages):
    site = make_site(html_or_pages)
    out = list(prices.check(site))
    for f in out:
        assert f.outcome in prices.OUTCOMES, f.outcome
    return site, out


def by_outcome(found, outcome):
    hits = [f for f in found if f.outcome == outcome]
    return hits[0] if hits else None


# ----------------------------------------------------------------------------------------------
# Extraction: the layouts shops use


def test_one_line_offer_with_x_quantity():
    [o] = offers_of("<p>Baclofen 10 mg x 90 tablets $29.99</p>")
    assert (o.drug, o.kind, o.strength_mg, o.quantity, o.price, o.currency) == (
        "baclofen",
        "generic",
        10.0,
        90,
        29.99,
        "USD",
    )
    assert o.unit_price_usd == pytest.approx(29.99 / 90)
    assert not o.unit_price_stated
    assert o.quote == "Baclofen 10 mg x 90 tablets $29.99"


def test_one_line_brand_offer():
    [o] = offers_of("<li>Viagra 100mg 10 pills $9.90</li>")
    assert (o.drug, o.kind, o.molecule, o.strength_mg, o.quantity) == ("viagra", "brand", "sildenafil", 100.0, 10)
    assert o.unit_price_usd == pytest.approx(0.99)


def test_product_page_rows_with_stated_unit_price():
    html = (
        "<h1>Cialis 20 mg</h1><table><tr><th>Package</th><th>Price</th><th>Per pill</th></tr>"
        "<tr><td>30 pills</td><td>$45.00</td><td>$1.50 per pill</td></tr>"
        "<tr><td>60 pills</td><td>$80.00</td><td>$1.33 per pill</td></tr></table>"
    )
    first, second = offers_of(html)
    assert (first.drug, first.quantity, first.price) == ("cialis", 30, 45.0)
    assert first.unit_price_usd == pytest.approx(1.5)
    assert first.quote == "30 pills $45.00 $1.50 per pill"
    assert (second.quantity, second.price) == (60, 80.0)
    assert second.unit_price_usd == pytest.approx(80 / 60)


def test_rows_in_one_line_with_two_spaces():
    [o] = offers_of("<h2>Levitra 20 mg</h2><p>30 pills&nbsp;&nbsp;$45.00&nbsp;&nbsp;$1.50 per pill</p>")
    assert (o.drug, o.quantity, o.price) == ("levitra", 30, 45.0)
    assert o.unit_price_usd == pytest.approx(1.5)


def test_price_per_pill_label():
    [o] = offers_of("<h2>Cialis 20mg</h2><div>Price per pill: $0.89</div>")
    assert (o.drug, o.unit_price_stated, o.quantity) == ("cialis", True, None)
    assert o.unit_price_usd == pytest.approx(0.89)
    assert o.quote == "Cialis 20mg Price per pill: $0.89"  # the name two lines up is part of the quote


@pytest.mark.parametrize(
    "text", ["Viagra 50 mg $2.10/pill", "Viagra 50 mg only $2.10 per tablet", "Viagra 50 mg: €1.94 each"]
)
def test_unit_price_suffixes(text):
    [o] = offers_of(f"<p>{text}</p>")
    assert o.unit_price_stated and o.drug == "viagra" and o.strength_mg == 50.0
    assert o.unit_price_usd == pytest.approx(2.10, rel=0.01)


def test_table_cells_split_over_lines_unit_column_before_total():
    # The per-pill column comes first: 0.99 x 10 = 9.90 tells which price is which.
    html = (
        "<title>Buy Levitra online</title><table><tr><th>Qty</th><th>Per pill</th><th>Price</th></tr>"
        "<tr><td>10 pills</td><td>$0.99</td><td>$9.90</td><td><button>Add to cart</button></td></tr>"
        "<tr><td>20 pills</td><td>$0.89</td><td>$17.80</td><td><button>Add to cart</button></td></tr></table>"
    )
    first, second = offers_of(html)
    assert first.drug == second.drug == "levitra"  # from the page title
    assert (first.quantity, first.price, second.quantity, second.price) == (10, 9.9, 20, 17.8)
    assert first.unit_price_usd == pytest.approx(0.99)
    assert second.unit_price_usd == pytest.approx(0.89)


def test_old_and_new_price():
    [o] = offers_of("<p>Viagra (sildenafil citrate) 100 mg 10 pills was $120.00 now $9.90</p>")
    assert o.drug == "viagra" and o.kind == "brand"  # the generic name in brackets explains the brand
    assert (o.price, o.old_price) == (9.9, 120.0)


def test_two_prices_that_do_not_fit_take_the_higher():
    [o] = offers_of("<p>Viagra 100mg 10 pills $45.00 $39.00</p>")
    assert o.price == 45.0  # ambiguous: the reading with the higher unit price wins


@pytest.mark.parametrize(
    "text, currency, usd",
    [
        ("Xanax 1mg 30 tablets 45,00 €", "EUR", 45 * USD_PER_UNIT["EUR"] / 30),
        ("Xanax 1mg 30 tablets €45.00", "EUR", 45 * USD_PER_UNIT["EUR"] / 30),
        ("Xanax 1mg 30 tablets £45.00", "GBP", 45 * USD_PER_UNIT["GBP"] / 30),
        ("Xanax 1mg 30 tablets CA$45.00", "CAD", 45 * USD_PER_UNIT["CAD"] / 30),
        ("Xanax 1mg 30 tablets EUR 45,00", "EUR", 45 * USD_PER_UNIT["EUR"] / 30),
        ("Xanax 1mg 30 tablets 1.234,50 €", "EUR", 1234.5 * USD_PER_UNIT["EUR"] / 30),
        ("Xanax 1mg 30 tablets US$1,234.50", "USD", 1234.5 / 30),
    ],
)
def test_currencies(text, currency, usd):
    [o] = offers_of(f"<p>{text}</p>")
    assert o.currency == currency
    assert o.unit_price_usd == pytest.approx(usd)


@pytest.mark.parametrize(
    "text", ["Tramadol 50mg 90 pills ₹ 500", "Tramadol 50mg 90 pills Rs. 500", "Tramadol 50mg 90 pills 500 ₽"]
)
def test_unknown_currency_is_skipped(text):
    assert offers_of(f"<p>{text}</p>") == []


@pytest.mark.parametrize(
    "text",
    [
        "Viagra: free shipping on orders over $150",
        "Viagra: save $30 today",
        "Viagra: $10 off your first order",
        "Viagra: shipping $9.95",
        "Viagra: savings of up to $120",
    ],
)
def test_prices_that_are_not_offers(text):
    assert offers_of(f"<p>{text}</p>") == []


def test_bonus_pills_are_not_the_pack_size():
    [o] = offers_of("<p>Generic Viagra 100mg 30 pills + 4 free pills $29.70</p>")
    assert o.quantity == 30
    assert (o.drug, o.kind) == ("sildenafil", "generic")


def test_brand_next_to_generic_or_with_a_made_up_variant_is_a_generic():
    generic_viagra, viagra_soft, generic_cialis = offers_of(
        "<p>Viagra (generic) 100mg 10 pills $9.90</p><p>Viagra Soft 100mg 10 pills $9.90</p>"
        "<p>Cialis Generic 20mg 10 pills $9.90</p>"
    )
    assert (generic_viagra.drug, generic_viagra.kind) == ("sildenafil", "generic")
    assert (viagra_soft.drug, viagra_soft.kind, viagra_soft.variant) == ("sildenafil", "generic", "soft")
    # No generic tadalafil in the data: recognised, but with no reference entry.
    assert (generic_cialis.drug, generic_cialis.molecule, generic_cialis.kind) == (None, "tadalafil", "generic")


def test_names_inside_longer_words_are_not_drugs():
    assert [o.drug for o in offers_of("<p>Somatuline 30 units $5,000</p>")] == [None]


def test_drug_named_far_above_is_not_the_offer():
    filler = "".join(f"<p>Line {i} about our delivery service.</p>" for i in range(40))
    [o] = offers_of(f"<p>Viagra</p>{filler}<p>30 pills $9.90</p>")
    assert o.drug is None


def test_title_names_the_product_when_the_text_does_not():
    [o] = offers_of("<p>30 tablets $60.00</p>", title="Cialis 20mg | Pharmacy")
    assert o.drug == "cialis"


def test_drug_named_in_prose_does_not_replace_the_product():
    prose = (
        "Viagra (Sildenafil) is used to treat erectile dysfunction. Generic Viagra contains the same active "
        "ingredient as the brand and works the same way. Do not take more than 100 mg a day."
    )
    html = (
        f"<h1>Buy Viagra (Sildenafil) 50 mg online</h1><p>{prose}</p>"
        "<table><tr><td>30 pills</td><td>$0.89</td><td>$26.70</td></tr></table>"
    )
    [o] = offers_of(html)
    assert (o.drug, o.kind, o.strength_mg) == ("viagra", "brand", 50.0)


def test_drug_in_a_long_line_with_its_offer():
    text = (
        "Our best seller this month, loved by thousands of customers in many countries: "
        "Baclofen 10 mg x 90 tablets $29.99"
    )
    [o] = offers_of(f"<p>{text}</p>")
    assert len(text) > _pricing.PROSE_LINE_CHARS
    assert (o.drug, o.quantity) == ("baclofen", 90)


def test_per_pill_column_heading():
    html = (
        "<table><tr><th>Medication</th><th>Used for</th><th>From (per pill)</th></tr>"
        "<tr><td>Viagra (Sildenafil) 100 mg</td><td>erectile dysfunction</td><td>$0.89</td></tr>"
        "<tr><td>Lipitor (Atorvastatin) 20 mg</td><td>high cholesterol</td><td>$0.35</td></tr></table>"
        "<h2>Gift cards</h2><p>Any amount from $25.00</p>"
    )
    viagra, lipitor, gift = offers_of(html)
    assert (viagra.drug, viagra.unit_price_stated, viagra.unit_price_usd) == ("viagra", True, 0.89)
    assert (lipitor.drug, lipitor.unit_price_stated, lipitor.unit_price_usd) == ("lipitor", True, 0.35)
    assert gift.unit_price_usd is not None  # under the same heading (within reach): read as a unit price too
    assert offers_of("<p>Viagra 100 mg</p><p>$0.89</p>")[0].unit_price_usd is None  # no heading: no unit price


def test_comparison_is_not_the_product():
    html = "<h1>Bye bye, Viagra!</h1><p>Try our herbal formula: 30 capsules for $6.55</p>"
    [o] = offers_of(html, title="Better than Viagra")
    assert o.drug is None
    [o] = offers_of("<p>Works besides Viagra or Cialis.</p><p>30 capsules for $6.55</p>")
    assert o.drug is None


@pytest.mark.parametrize("heading", ["Per pill", "Price/pill", "Price per tablet:", "Unit price", "(per pill)"])
def test_per_unit_headings(heading):
    [o] = offers_of(
        f"<table><tr><th>Product</th><th>{heading}</th></tr><tr><td>Cialis 20mg</td><td>$1.05</td></tr></table>"
    )
    assert (o.drug, o.unit_price_stated, o.unit_price_usd) == ("cialis", True, 1.05)


def test_x_quantity_without_unit_word_and_prefixed_dollars():
    [o] = offers_of("<p>Cialis 20mg x 30 US$60.00</p>")
    assert (o.drug, o.quantity, o.currency) == ("cialis", 30, "USD")
    assert o.unit_price_usd == pytest.approx(2.0)


def test_price_without_quantity_has_no_unit_price():
    [o] = offers_of("<p>Viagra 100mg $9.90</p>")
    assert o.price == 9.9 and o.unit_price_usd is None


JUNK = [
    "",
    "$",
    "$$$ €€€ £££",
    "1e10 pills $1e10",
    "Viagra" * 1000,
    "99999999999 pills $99999999999.99",
    "0 pills $0.00",
    "Viagra 100mg 0 pills $0",
    "Viagra 1.2.3.4 mg 1,2,3 pills $1,2,3,4.5.6",
    "x x x 10 x $ x",
    "\u0130\u0130\u0130 Viagra 100mg 10 pills $9.90 \u0130",  # characters whose lower case is longer
    "Price per pill: $ Price per pill: per pill per pill $.",
    "<script>var p = '$9.90';</script>",
]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_never_crashes(junk):
    for o in offers_of(f"<p>{junk}</p>"):
        assert o.unit_price_usd is None or (0 < o.unit_price_usd < 100_000 and math.isfinite(o.unit_price_usd))


def test_random_junk_never_crashes():
    rnd = random.Random(1234)
    alphabet = "Viagra Cialis 0123456789 $€£.,/- mg pills tabs per each x was save free \u0130\n"
    for _ in range(200):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 300)))
        page = make_site(f"<p>{text}</p>").pages[0]
        extract_offers(page)
        list(prices.check(make_site(f"<p>{text}</p>")))


def test_offers_are_capped_per_page():
    rows = "".join(f"<p>Viagra 100mg {q} pills ${q * 0.99:.2f}</p>" for q in range(1, 600))
    page = make_site(rows).pages[0]
    result = extract_offers(page)
    assert len(result.offers) == _pricing.MAX_OFFERS_PER_PAGE
    assert result.truncated


# ----------------------------------------------------------------------------------------------
# The rule: floor check


def test_pass_on_realistic_prices():
    site, found = findings(
        "<title>Pharmacy</title><p>Viagra 100 mg, 4 tablets: $284.99</p><p>Viagra 50 mg, 8 tablets £54.99</p>"
        "<p>Sildenafil 20 mg, 90 tablets $26.10</p><p>Atorvastatin 20mg 90 tablets $12.00</p>"
        "<p>Cialis 20mg 4 tablets $240.00</p>"
    )
    assert [f.outcome for f in found] == ["prices-plausible"]
    f = found[0]
    assert f.status == PASS
    assert f.facts["offers_compared"] == 5  # brand Viagra at UK prices (15 % of the US reference) passes
    assert {o["drug"] for o in f.facts["offers"]} == {"viagra", "sildenafil", "atorvastatin", "cialis"}
    assert all(o["level"] == PASS for o in f.facts["offers"])


def test_fail_on_impossible_brand_price():
    _, found = findings("<p>Viagra 100mg 10 pills $9.90</p><p>Levitra 20mg: $1.10 per pill</p>")
    f = by_outcome(found, "prices-far-below-reference")
    assert f is not None and f.status == FAIL
    quotes = [e.quote for e in f.evidence]
    assert "Viagra 100mg 10 pills $9.90" in quotes
    assert "Levitra 20mg: $1.10 per pill" in quotes
    viagra = next(e for e in f.evidence if e.quote.startswith("Viagra"))
    assert "0.99 USD per unit" in viagra.why and "58.34 USD" in viagra.why and "Medicare Part D 2017" in viagra.why
    assert f.facts["offers_far_below"] == 2
    assert f.facts["offers"][0]["level"] == FAIL
    assert f.facts["offers"][0]["reference_usd_per_unit"] == pytest.approx(58.3355)
    assert by_outcome(found, "prices-plausible") is None


def test_warn_on_modestly_low_brand_price():
    _, found = findings("<p>Cialis 20 mg x 30 $27</p>")  # 0.90 USD a pill, 8.7 % of 10.30
    f = by_outcome(found, "prices-below-reference")
    assert f is not None and f.status == WARN
    assert f.facts["offers"][0]["ratio"] == pytest.approx(0.9 / 10.2958, rel=1e-3)
    assert by_outcome(found, "prices-far-below-reference") is None


def test_cheap_brand_with_a_cheap_reference_only_warns():
    _, found = findings("<p>Synthroid 50 mcg 90 tablets $3.00</p>")  # 0.033 vs 0.87: 3.8 %, but reference < 2 USD
    assert by_outcome(found, "prices-below-reference").status == WARN
    assert by_outcome(found, "prices-far-below-reference") is None


@pytest.mark.parametrize(
    "html",
    [
        "<p>Tramadol 50mg 90 pills $4.50</p>",  # 0.05 a pill against 0.09
        "<p>Atorvastatin 10 mg 90 tabs $2.70</p>",  # 0.03 against 0.28: cheap generics are normal
        "<p>Generic Viagra 100mg 30 pills $29.70</p>",  # 0.99 against 2.42
        "<p>Viagra Soft 100mg: $0.50 per pill</p>",  # a made-up variant is judged as a generic
        "<p>Kamagra 100mg 40 tablets $40</p>",
    ],
)
def test_generics_are_not_failed(html):
    _, found = findings(html)
    assert found[0].outcome == "prices-plausible", found[0].message


def test_costly_generic_far_below_warns():
    _, found = findings("<p>Modafinil 200mg 100 tablets $15</p>")  # 0.15 against 4.55: 3 %
    f = by_outcome(found, "prices-below-reference")
    assert f is not None and f.status == WARN
    assert "Modafinil" in f.evidence[0].quote


def test_no_prices_is_not_applicable_and_lists_pages():
    site, found = findings(
        {
            "https://pharmacy.example/": "<p>We sell Viagra and Cialis with a prescription.</p>",
            "https://pharmacy.example/contact": "<p>Call us.</p>",
        }
    )
    [f] = found
    assert (f.outcome, f.status) == ("prices-not-found", NOT_APPLICABLE)
    assert f.searched == site.urls == ["https://pharmacy.example/", "https://pharmacy.example/contact"]


def test_prices_without_reference_are_info():
    _, found = findings("<p>Vidalista 20mg 30 pills $30.00</p><p>Gift card $50.00</p>")
    f = found[0]
    assert (f.outcome, f.status) == ("prices-no-reference", INFO)
    assert f.facts["offers_found"] == 2 and f.facts["offers_compared"] == 0


def test_facts_are_capped():
    rows = "".join(f"<p>Viagra 100mg {q} pills ${q * 60:.2f}</p>" for q in range(1, 101))
    _, found = findings(rows)
    f = by_outcome(found, "prices-plausible")
    assert f.facts["offers_found"] == 100
    assert len(f.facts["offers"]) == prices.MAX_FACT_OFFERS


# ----------------------------------------------------------------------------------------------
# The rule: spam-style pricing

SHOP = "<p>Viagra 100mg 4 tablets $280.00</p>"


def test_bonus_pills():
    _, found = findings(SHOP + "<p>Get 4 free Viagra pills with every order!</p><p>+10 bonus with 180 pills</p>")
    f = by_outcome(found, "prices-bonus-pills")
    assert f is not None and f.status == WARN
    assert any("4 free Viagra pills" in e.quote for e in f.evidence)
    assert f.facts["count"] == 2


def test_sugar_free_tablets_are_not_bonus_pills():
    _, found = findings(SHOP + "<p>Sugar-free tablets. Gluten free capsules. Ask for a free pill organizer.</p>")
    assert by_outcome(found, "prices-bonus-pills") is None


def test_huge_discount():
    _, found = findings(SHOP + "<p>Save 80% on all medications. Up to 70% off brand drugs!</p>")
    f = by_outcome(found, "prices-huge-discount")
    assert f is not None and f.status == WARN
    assert f.facts["largest_discount_pct"] == 80
    assert len(f.evidence) == 2


def test_small_discount_or_no_medicine_is_not_flagged():
    _, found = findings(SHOP + "<p>Save 20% on your first order.</p>")
    assert by_outcome(found, "prices-huge-discount") is None
    _, found = findings("<p>Garden furniture: 80% off!</p>")
    assert by_outcome(found, "prices-huge-discount") is None


def test_cheapest_claim_and_warning_context():
    _, found = findings(SHOP + "<p>Cheapest Viagra online. Lowest prices guaranteed!</p>")
    f = by_outcome(found, "prices-cheapest-claim")
    assert f is not None and f.status == WARN
    assert f.facts["count"] == 2
    _, found = findings(
        SHOP + "<p>Beware of websites that promise the cheapest prices.</p><p>Cheapest shipping: $5</p>"
    )
    assert by_outcome(found, "prices-cheapest-claim") is None


LADDER = "<h2>Viagra 100mg</h2>" + "".join(
    f"<tr><td>{q} pills</td><td>${q * u:.2f}</td></tr>"
    for q, u in ((10, 1.00), (20, 0.95), (30, 0.90), (60, 0.85), (90, 0.80), (120, 0.75), (180, 0.70))
)


def test_bulk_ladder():
    _, found = findings(f"<table>{LADDER}</table>")
    f = by_outcome(found, "prices-bulk-ladder")
    assert f is not None and f.status == WARN
    [ladder] = f.facts["ladders"]
    assert ladder["quantities"] == [10, 20, 30, 60, 90, 120, 180]
    assert ladder["drug"] == "viagra" and ladder["strength_mg"] == 100.0
    assert [e.quote for e in f.evidence] == ["Viagra 100mg 10 pills $10.00", "180 pills $126.00"]
    assert "1.00 USD to 0.70 USD" in f.evidence[0].why


def test_short_or_rising_ladders_are_not_flagged():
    two = "<p>Atorvastatin 20mg 30 tablets $9.00</p><p>Atorvastatin 20mg 90 tablets $24.00</p>"
    rising = "<h2>Cialis 20mg</h2>" + "".join(
        f"<p>{q} pills ${q * 2 + q * q * 0.01:.2f}</p>" for q in (4, 8, 12, 16, 20)
    )
    for html in (two, rising):
        _, found = findings(html)
        assert by_outcome(found, "prices-bulk-ladder") is None


# ----------------------------------------------------------------------------------------------
# The reference table

BRIEF_NAMES = (
    "viagra sildenafil cialis levitra tramadol oxycodone hydrocodone alprazolam xanax diazepam valium lorazepam "
    "ativan clonazepam klonopin zolpidem ambien modafinil provigil armodafinil nuvigil carisoprodol soma finasteride "
    "isotretinoin lipitor atorvastatin baclofen gabapentin lyrica tamoxifen clomiphene metformin sertraline zoloft "
    "fluoxetine prozac valacyclovir valtrex acyclovir azithromycin amoxicillin doxycycline ciprofloxacin prednisone "
    "levothyroxine synthroid"
).split()


@pytest.fixture(scope="module")
def table():
    return json.loads(TABLE_PATH.read_text(encoding="utf-8"))


def test_table_header(table):
    assert "CMS" in table["source"]["publisher"] and "public domain" in table["source"]["publisher"]
    assert "USAFacts/drugprice" in table["source"]["origin"]
    assert table["year"] == 2017
    assert "sum(total_spending_usd)" in table["method"]
    assert table["caveats"][0].startswith("A floor check, not a price list")
    assert any("Revatio" in c for c in table["caveats"])


def test_table_entries_are_well_formed(table):
    drugs = table["drugs"]
    assert len(drugs) >= 40
    seen_aliases: dict[str, str] = {}
    for key, entry in drugs.items():
        assert entry["name"] == key == key.lower()
        assert key in entry["aliases"]
        for alias in entry["aliases"]:
            assert alias == alias.lower().strip() and alias
            assert alias not in seen_aliases, f"{alias} in {key} and {seen_aliases.get(alias)}"
            seen_aliases[alias] = key
        assert entry["kind"] in ("brand", "generic")
        assert isinstance(entry["generic"], str) and entry["generic"]
        if entry["kind"] == "brand":  # a generic name must never be compared with a brand price
            assert entry["generic"] not in entry["aliases"]
        assert entry["rx_only"] is True
        assert entry["dea_schedule"] in (None, "C-II", "C-III", "C-IV", "C-V")
        assert isinstance(entry["usd_per_unit"], float) and entry["usd_per_unit"] > 0
        assert 2013 <= entry["year"] <= 2017
        assert entry["by_year"][str(entry["year"])] == entry["usd_per_unit"]
        assert entry["rows"] and all(r["brand_name"] and r["generic_name"] for r in entry["rows"])
        assert isinstance(entry["claims"], int) and entry["claims"] > 0
    assert {"brand", "generic"} == {e["kind"] for e in drugs.values()}


def test_table_covers_the_drugs_rogue_sites_sell(table):
    aliases = {a for e in table["drugs"].values() for a in e["aliases"]}
    missing = [n for n in BRIEF_NAMES if n not in aliases]
    assert not missing


@pytest.mark.parametrize(
    "name, usd",  # the figures quoted in shared/data/README.md for 2017
    [
        ("viagra", 58.34),
        ("sildenafil", 2.42),
        ("cialis", 10.30),
        ("baclofen", 0.26),
        ("atorvastatin", 0.28),
        ("tramadol", 0.09),
    ],
)
def test_table_matches_the_documented_figures(table, name, usd):
    assert round(table["drugs"][name]["usd_per_unit"], 2) == usd


def test_reference_lookup_maps_generics_and_schedules():
    ref = load_reference()
    assert ref.generic_entry["sildenafil"] == "sildenafil"
    assert ref.alias["hydrocodone"] == "hydrocodone-acetaminophen"
    assert ref.alias["kamagra"] == "sildenafil"
    assert ref.alias["tadalafil"] == "?tadalafil"  # recognised, no reference
    assert ref.drugs["oxycodone"]["dea_schedule"] == "C-II"
    assert ref.drugs["xanax"]["dea_schedule"] == "C-IV"


def _shared_prices_dir() -> Path | None:
    for path in SHARED_PRICES:
        if (path / "medicare_partd_per_unit_2013-2017.csv").exists():
            return path
    return None


def _tool():
    spec = importlib.util.spec_from_file_location("derive_reference_prices", TOOL_PATH)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_table_rederives_from_the_shared_data(table):
    data_dir = _shared_prices_dir()
    if data_dir is None:
        pytest.skip("the shared Medicare Part D data (../shared/data/prices) is not present")
    tool = _tool()
    derived = tool.derive(data_dir)
    assert derived == table
    assert tool.dumps(derived) == TABLE_PATH.read_text(encoding="utf-8")
    assert tool.main(["--data-dir", str(data_dir), "--out", str(TABLE_PATH), "--check"]) == 0


def test_tool_check_detects_a_stale_table(tmp_path):
    data_dir = _shared_prices_dir()
    if data_dir is None:
        pytest.skip("the shared Medicare Part D data (../shared/data/prices) is not present")
    stale = tmp_path / "reference_prices.json"
    text = TABLE_PATH.read_text(encoding="utf-8").replace('"usd_per_unit": 58.3355', '"usd_per_unit": 1.0')
    assert text != TABLE_PATH.read_text(encoding="utf-8")
    stale.write_text(text, encoding="utf-8")
    assert _tool().main(["--data-dir", str(data_dir), "--out", str(stale), "--check"]) == 1


# ----------------------------------------------------------------------------------------------
# Speed


def catalogue_page(target_bytes: int = 150_000, seed: int = 7) -> str:
    """A shop catalogue in the markup shops use: menus, product cards, package tables with carts."""
    rnd = random.Random(seed)
    names = (
        "Viagra,Cialis,Levitra,Generic Viagra,Tramadol,Xanax,Valium,Ambien,Modafinil,Baclofen,Lipitor,Propecia,"
        "Zoloft,Prozac,Amoxicillin,Doxycycline,Kamagra,Soma"
    ).split(",")
    nav = "".join(f"<li class='nav-item'><a class='nav-link' href='/{n.lower()}'>{n}</a></li>" for n in names)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Online Drugstore - Catalogue</title>"
        "<link rel='stylesheet' href='/css/style.css'></head><body><header class='site-header'>"
        f"<nav class='main-nav'><ul>{nav}</ul></nav></header><main class='catalogue container'>"
    ]
    size = len(parts[0])
    i = 0
    while size < target_bytes - 600:
        name = names[i % len(names)]
        i += 1
        mg = rnd.choice([10, 20, 50, 100])
        slug = f"{name.lower().replace(' ', '-')}-{mg}mg"
        card = [
            f"<div class='product-card col-sm-6 col-md-4' data-sku='{i:05d}'><a class='product-image' href='/p/{slug}'>"
            f"<img src='/img/products/{slug}.jpg' alt='{name} {mg}mg' width='160' height='160' loading='lazy'></a>"
            f"<h3 class='product-title'><a href='/p/{slug}'>{name} {mg}mg</a></h3>"
            "<p class='product-desc'>Active ingredient: see leaflet. Manufacturer: various.</p>"
            "<table class='table package-table'><thead><tr><th>Package</th><th>Per pill</th><th>Price</th><th></th>"
            "</tr></thead><tbody>"
        ]
        base = rnd.uniform(0.5, 3)
        for q in rnd.sample([10, 20, 30, 60, 90, 120, 180], 4):
            unit = base * (1 - q / 400)
            card.append(
                f"<tr class='package-row'><td class='package-qty'>{q} pills</td><td class='per-pill'>${unit:.2f}</td>"
                f"<td class='price'><span class='amount'>${unit * q:.2f}</span></td><td><form method='post' "
                f"action='/cart/add'><input type='hidden' name='sku' value='{i:05d}-{q}'><button type='submit' "
                "class='btn btn-sm btn-primary'>Add to cart</button></form></td></tr>"
            )
        card.append("</tbody></table></div>")
        parts.append("".join(card))
        size += len(parts[-1])
    parts.append("</main><footer class='site-footer'><p>&copy; Drugstore.</p></footer></body></html>")
    return "".join(parts)


def test_rule_is_fast_on_a_150kb_catalogue():
    html = catalogue_page()
    assert 140_000 <= len(html.encode()) <= 160_000
    site = make_site(html)
    found = list(prices.check(site))  # warm the caches (reference table, compiled patterns)
    assert by_outcome(found, "prices-far-below-reference") is not None  # brand names at generic prices
    assert found[0].facts["offers_found"] > 250
    best = math.inf
    for _ in range(5):
        start = time.process_time()
        list(prices.check(site))
        best = min(best, time.process_time() - start)
    # Measured about 5 ms on the reference machine; the bound leaves room for a slow or busy CI host.
    assert best < 0.025, f"prices rule took {best * 1000:.1f} ms CPU"


def test_price_in_a_warning_is_not_an_offer():
    html = (
        "<p>No fakes here!</p><p>Viagra 100mg 10 pills $9.90</p>"
        "<p>Beware: counterfeit Cialis is sold online for as little as $1 per pill. Buy only with a prescription.</p>"
    )
    _, found = findings(html)
    f = by_outcome(found, "prices-far-below-reference")
    assert [e.quote for e in f.evidence] == ["Viagra 100mg 10 pills $9.90"]  # the Cialis warning is not an offer
    assert f.facts["offers_in_warnings"] == 1


def test_a_long_run_of_digits_costs_linear_time():
    import time

    from pharmcheck.rules import prices

    site = make_site("<html><body><p>" + "9" * 200_000 + " Viagra 100 mg 10 pills $5</p></body></html>")
    started = time.process_time()
    list(prices.check(site))
    assert time.process_time() - started < 2.0  # 10 KB of digits took 3.5 s before (issue 7)


def test_the_spam_phrases_are_read_only_where_they_can_start_with_the_same_matches():
    # _price_pitches.py tries its bonus, discount and cheapest patterns only at their start words (finditer_at);
    # each must find what a scan of every position finds, overlaps and rejected matches included.
    from pharmcheck.rules._scan import finditer_at, occurrences

    rnd = random.Random(7)
    atoms = ["free ", "bonus ", "extra ", "+5 free", "+ 12 bonus", "pills", "tablets ", "box", " ", "sugar-", "save ",
             "savings of up to 70%", "50% off", "75 % discount", "100%", "cheapest ", "shipping", "lowest price online",
             "guarantee the lowest prices", "rock-bottom prices", "we beat any price", "best price guaranteed", "9", "%"]
    readers = ((_price_pitches._BONUS_RX, lambda low: occurrences(low, _price_pitches._BONUS_STARTS)),
               (_price_pitches._DISCOUNT_RX, _price_pitches._discount_starts),
               (_price_pitches._CHEAPEST_RX, lambda low: occurrences(low, _price_pitches._CHEAPEST_STARTS)))
    for _ in range(2000):
        low = "".join(rnd.choice(atoms) for _ in range(rnd.randint(1, 12)))
        for rx, starts in readers:
            assert [m.span() for m in finditer_at(rx, low, starts(low))] == [m.span() for m in rx.finditer(low)], low
