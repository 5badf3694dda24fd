"""Facts computed once per site: offers read from the page's structure, quotes from their blocks, languages."""

from __future__ import annotations

import json

import pytest

from pharmcheck import facts
from tests.helpers import make_site

MENU = (
    '<nav class="menu"><ul><li><a href="/cart">Checkout</a></li><li><a href="/currency">Change Currency</a></li>'
    '<li><a href="/basket">Basket (0 items)</a></li><li><a href="/order">Place a New Order</a></li>'
    '<li><a href="/refill">Place a New Refill Prescription</a></li><li><a href="/viagra">Viagra</a></li></ul></nav>'
)


def page(body: str, title: str = "Shop", lang: str = "en", head: str = "") -> str:
    return f'<html lang="{lang}"><head><title>{title}</title>{head}</head><body>{MENU}{body}</body></html>'


def offers_of(html: str) -> list[facts.Offer]:
    return facts.offers(make_site(html))


def one(offers: list[facts.Offer], ingredient: str) -> facts.Offer:
    found = [o for o in offers if ingredient in o.medicine.ingredients]
    assert found, f"no offer of {ingredient} in {[o.to_dict() for o in offers]}"
    return found[0]


def test_table_row_with_the_price_in_another_cell():
    html = page(
        "<table><tr><th>Product</th><th>Qty</th><th>Price</th><th>Per unit</th><th></th></tr>"
        "<tr><td>Sildenafil Citrate Tabs (Viagra) 100mg</td><td>10 pills</td><td>$50.00</td><td>Per Unit $5.00</td>"
        "<td><button>Add to cart</button></td></tr></table>"
    )
    offer = one(offers_of(html), "sildenafil")
    assert offer.where == "table-row"
    assert offer.strong
    assert (offer.price, offer.currency, offer.quantity) == (50.0, "USD", 10)
    assert offer.unit_price == 5.0
    assert offer.strength == "100 mg"
    assert "Checkout" not in offer.quote and "Basket" not in offer.quote  # the row, not the menu


def test_product_card_with_a_per_pill_price_and_a_buy_link():
    html = page(
        '<div class="product-card"><h3>Viagra</h3><p>Active ingredient: Sildenafil</p>'
        '<p>As low as $0.45 per pill</p><a href="/product/viagra">Buy now</a></div>'
    )
    offer = one(offers_of(html), "sildenafil")
    assert offer.where == "card"
    assert offer.strong
    assert offer.unit_price == 0.45 and offer.currency == "USD"


def test_daily_offer_box_of_an_unauthorised_brand_in_euro():
    html = page(
        '<div class="deal"><h2>Deal of the day</h2><p>10 × Packs of Sildalist 120 mg (60 tablets)</p>'
        "<p>Price: €49</p><button>Add to Cart</button></div>"
    )
    offer = one(offers_of(html), "sildenafil")
    assert offer.medicine.unauthorised
    assert offer.price == 49.0 and offer.currency == "EUR"
    assert offer.strong


def test_select_pack_list_on_a_product_page():
    html = page(
        '<h1>Cialis 20 mg</h1><form action="/cart/add" method="post"><select name="pack">'
        "<option>30 pills - $45.00</option><option>60 pills - $80.00</option></select>"
        '<button type="submit">Add to cart</button></form>',
        title="Cialis 20 mg - Buy online",
    )
    found = [o for o in offers_of(html) if o.where == "select"]
    assert [(o.quantity, o.price) for o in found] == [(30, 45.0), (60, 80.0)]
    assert all(o.strong and "tadalafil" in o.medicine.ingredients for o in found)


def test_microdata_product():
    html = page(
        '<div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Xanax 2 mg</span>'
        '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
        '<meta itemprop="priceCurrency" content="USD"><span itemprop="price" content="180.00">$180</span></div></div>'
    )
    offer = one(offers_of(html), "alprazolam")
    assert offer.where in ("microdata", "card")
    assert offer.price == 180.0


def test_json_ld_product_offer():
    data = {"@context": "https://schema.org", "@type": "Product", "name": "Cenforce 100 mg",
            "offers": {"@type": "Offer", "price": "0.80", "priceCurrency": "USD"}}
    html = page("<h1>Cenforce</h1>", head=f'<script type="application/ld+json">{json.dumps(data)}</script>')
    offer = next(o for o in offers_of(html) if o.where == "json-ld")
    assert offer.medicine.unauthorised and offer.price == 0.8 and offer.currency == "USD" and offer.strong


def test_broken_json_ld_is_ignored():
    html = page("<p>Nothing</p>", head='<script type="application/ld+json">{"@type": "Product", </script>')
    assert offers_of(html) == []


def test_price_data_attributes():
    html = page('<div class="product" data-price="29.90" data-currency="EUR"><h3>Tadalafil 20 mg</h3>'
                '<button>In den Warenkorb</button></div>', lang="de")
    offer = one(offers_of(html), "tadalafil")
    assert offer.price == 29.9 and offer.currency == "EUR"


def test_ambiguous_name_counts_only_as_an_offer():
    sold = page("<ul><li>Cipro 500 mg x 30 pills $3.00 <button>Add to cart</button></li></ul>")
    assert one(offers_of(sold), "ciprofloxacin").price == 3.0
    prose = page("<p>The band Cipro played in the park last night and the crowd loved it.</p>")
    assert offers_of(prose) == []


@pytest.mark.parametrize(
    "text",
    [
        "Brand Viagra costs about $70 a pill at US pharmacies, and insurance rarely covers it.",
        "It is illegal to buy Xanax online without a prescription: fake pills sold for $5 are dangerous.",
        "Our supplement works better than Viagra and costs only $29.",
    ],
)
def test_prose_about_medicines_is_not_an_offer(text):
    assert offers_of(page(f"<article><p>{text}</p></article>")) == []


def test_menu_entries_are_not_offers():
    assert offers_of(page("<p>Welcome to our health blog.</p>")) == []


def test_block_quote_is_the_cell_not_the_menu():
    site = make_site(page("<table><tr><td>Prescription required for all orders</td><td>$5</td></tr></table>"))
    p = site.pages[0]
    i = p.text.index("Prescription required")
    quote = facts.block_quote(p, i, i + 21)
    assert quote == "Prescription required for all orders"


@pytest.mark.parametrize(
    ("amount", "value"),
    [("1,299.00", 1299.0), ("29,99", 29.99), ("1.299,00", 1299.0), ("49", 49.0), ("0.45", 0.45), ("", None)],
)
def test_parse_amount(amount, value):
    assert facts.parse_amount(amount) == value


def test_a_long_run_of_digits_is_read_in_linear_time():
    import time

    site = make_site(page("<p>" + "9" * 200_000 + " $5 Viagra 100 mg</p>"))
    started = time.process_time()
    facts.prices_in(site.pages[0].text, site.pages[0].text.lower(), ("en",))
    assert time.process_time() - started < 1.0


def test_languages_declared_and_detected():
    html = page("<p>Pas besoin de prescription. Achetez des comprimés sans restrictions, nous livrons dans le monde"
                " entier et vous recevez vos commandes rapidement pour que vous soyez satisfait.</p>", lang="de")
    langs = facts.languages(make_site(html))
    assert langs[0] == "de" and "fr" in langs and "en" in langs


def test_offers_are_computed_once_per_site():
    site = make_site(page("<ul><li>Viagra 100 mg x 10 pills $9.90 <button>Add to cart</button></li></ul>"))
    assert facts.offers(site) is facts.offers(site)


def test_price_table_rows_that_name_no_medicine_belong_to_the_page_medicine():
    html = page(
        "<h1>Viagra 100 mg</h1><table><tr><th>Pack</th><th>Price</th><th></th></tr>"
        "<tr><td>30 pills</td><td>$45.00</td><td><button>Add to cart</button></td></tr>"
        "<tr><td>60 pills</td><td>$80.00</td><td><button>Add to cart</button></td></tr></table>",
        title="Viagra 100 mg - Buy online",
    )
    rows = [o for o in offers_of(html) if o.where == "table-row"]
    assert [(o.quantity, o.price) for o in rows] == [(30, 45.0), (60, 80.0)]
    assert all("sildenafil" in o.medicine.ingredients and o.strong for o in rows)


def test_nameless_rows_on_a_page_about_no_medicine_are_not_offers():
    html = page("<h1>Vitamins</h1><table><tr><td>30 tablets</td><td>$9.00</td><td><button>Add to cart</button></td></tr></table>",
                title="Vitamin C")
    assert offers_of(html) == []
