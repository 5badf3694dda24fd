"""Writes the fixture pages of tests/kinds/ (run once after editing; the pages are committed).

    python tests/kinds/make_pages.py

Each page is one self-contained HTML file: a shop's or a pharmacy's header and menu, the kind of
structure or language under test, a footer. The expectations live in tests/kinds/cases.json.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

ROGUE_MENU = {
    "en": ("Home", "Bestsellers", "Shipping", "FAQ", "My account", "Cart (0)"),
    "de": ("Startseite", "Bestseller", "Versand", "FAQ", "Mein Konto", "Warenkorb (0)"),
    "fr": ("Accueil", "Meilleures ventes", "Livraison", "FAQ", "Mon compte", "Panier (0)"),
    "es": ("Inicio", "Más vendidos", "Envío", "Preguntas", "Mi cuenta", "Carrito (0)"),
    "it": ("Home", "Più venduti", "Spedizione", "FAQ", "Il mio account", "Carrello (0)"),
    "nl": ("Home", "Bestsellers", "Verzending", "FAQ", "Mijn account", "Winkelwagen (0)"),
    "pl": ("Start", "Bestsellery", "Wysyłka", "FAQ", "Moje konto", "Koszyk (0)"),
    "pt": ("Início", "Mais vendidos", "Envio", "FAQ", "Minha conta", "Carrinho (0)"),
}


def shell(lang: str, title: str, body: str, menu: tuple[str, ...] | None = None, head: str = "", footer: str = "") -> str:
    menu = menu or ROGUE_MENU[lang]
    items = "".join(f'<li><a href="/{i}">{label}</a></li>' for i, label in enumerate(menu))
    return f"""<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:0}} nav ul{{display:flex;gap:1em;list-style:none}} .card{{border:1px solid #ccc;padding:1em}}</style>
{head}</head>
<body>
<header class="site-header"><div class="logo">{title.split(' - ')[-1]}</div>
<nav class="main-menu"><ul>{items}</ul></nav></header>
<main>
{body}
</main>
<footer class="site-footer"><p>{footer or '&copy; 2024'}</p></footer>
</body>
</html>
"""


PAGES: dict[str, str] = {}

# ---------------------------------------------------------------- structures (rogue shops)
PAGES["structures/table-price-other-cell.html"] = shell("en", "Sildenafil Citrate - RxMeds Online", """
<h1>Sildenafil Citrate Tabs (Viagra)</h1>
<table class="prices">
<tr><th>Package</th><th>Qty</th><th>Price</th><th>Per unit</th><th></th></tr>
<tr><td>Sildenafil Citrate Tabs (Viagra) 100mg</td><td>10 pills</td><td>$50.00</td><td>Per Unit $5.00</td><td><button>Add to cart</button></td></tr>
<tr><td>Sildenafil Citrate Tabs (Viagra) 100mg</td><td>20 Pills +2 Bonus</td><td>$100.00</td><td>Per Unit $4.55</td><td><button>Add to cart</button></td></tr>
</table>
<p>Discreet packaging. Worldwide delivery in 10-21 days.</p>""")
PAGES["structures/cards-no-doctor.html"] = shell("en", "Men's Health - PillsHub", """
<h1>Men's health</h1>
<p>Good news: a prescription from your doctor is not necessary when you order with us.</p>
<div class="product-grid">
<div class="product-card"><h3>Viagra</h3><p>Active ingredient: Sildenafil</p><p>As low as $0.45 per pill</p><a href="/product/viagra">Buy now</a></div>
<div class="product-card"><h3>Cialis</h3><p>Active ingredient: Tadalafil</p><p>As low as $0.70 per pill</p><a href="/product/cialis">Buy now</a></div>
</div>""")
PAGES["structures/deal-of-the-day-eur.html"] = shell("en", "Daily deal - EuroPills", """
<div class="deal-box"><h2>Deal of the day</h2>
<p>10 × Packs of Sildalist 120 mg (60 tablets)</p><p>Price: €49</p><button>Add to Cart</button></div>
<p>We accept Bitcoin and bank transfer.</p>""")
PAGES["structures/select-pack-list.html"] = shell("en", "Cialis 20 mg - Buy Cialis - MedsDirect", """
<h1>Cialis 20 mg</h1>
<p>Tadalafil 20 mg film-coated tablets.</p>
<form action="/cart/add" method="post">
<label>Choose your pack <select name="pack"><option>30 pills - $45.00</option><option>60 pills - $80.00</option><option>90 pills - $108.00</option></select></label>
<button type="submit">Add to cart</button></form>""")
PAGES["structures/microdata-data-attributes-de.html"] = shell("de", "Tadalafil kaufen - PotenzShop24", """
<h1>Potenzmittel ohne Rezept kaufen</h1>
<div class="product" data-price="29.90" data-currency="EUR" itemscope itemtype="https://schema.org/Product">
<h3 itemprop="name">Tadalafil 20 mg</h3><p>10 Tabletten</p>
<div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><meta itemprop="priceCurrency" content="EUR"><span itemprop="price" content="29.90">29,90 €</span></div>
<button>In den Warenkorb</button></div>
<p>Kein Rezept erforderlich. Diskreter Versand.</p>""")
PAGES["structures/json-ld-product.html"] = shell("en", "Cenforce 100 mg - GenericHouse", """
<h1>Cenforce 100 mg</h1><p>Sildenafil citrate 100 mg, 10 tablets per strip.</p><button>Add to cart</button>""",
    head='<script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"Cenforce 100 mg",'
         '"offers":{"@type":"Offer","price":"0.80","priceCurrency":"USD"}}</script>')
PAGES["structures/list-items-cipro.html"] = shell("en", "Antibiotics - CheapRx", """
<h1>Antibiotics</h1>
<ul class="catalog">
<li>Cipro 500 mg x 30 pills $3.00 <button>Add to cart</button></li>
<li>Amoxil 500 mg x 30 pills $2.50 <button>Add to cart</button></li>
<li>Zithromax 250 mg x 6 pills $1.20 <button>Add to cart</button></li>
</ul>""")
PAGES["structures/controlled-no-prescription-step.html"] = shell("en", "Xanax 2 mg - SleepWell Meds", """
<h1>Xanax 2 mg</h1>
<table><tr><td>Xanax 2 mg</td><td>90 pills</td><td>$180.00</td><td><button>Add to cart</button></td></tr>
<tr><td>Xanax 2 mg</td><td>180 pills</td><td>$320.00</td><td><button>Add to cart</button></td></tr></table>
<p>Fast overnight delivery.</p>""")
PAGES["structures/claim-required-sells-kamagra.html"] = shell("en", "Kamagra and Tramadol - TrustPharm", """
<p class="notice">A valid prescription is required for all prescription medicines.</p>
<table class="products">
<tr><td>Kamagra Oral Jelly 100 mg</td><td>7 sachets</td><td>$19.90</td><td><button>Add to cart</button></td></tr>
<tr><td>Tramadol 50 mg</td><td>60 pills</td><td>$99.00</td><td><button>Add to cart</button></td></tr>
</table>""")

PAGES["structures/empty-product-list-unauthorised.html"] = shell("en", "Kamagra Oral Jelly 100 mg - KamaShop", """
<div class="minicart">0 items - €0</div>
<h1>Kamagra Oral Jelly 100 mg</h1>
<p>Kamagra Oral Jelly is a gel with 100 mg sildenafil citrate in sachets of 5 g.</p>
<div class="product-list"></div>""")

# ---------------------------------------------------------------- legitimate pharmacies
LEGIT_MENU_EN = ("Home", "Prescriptions", "Refill a prescription", "Transfer a prescription", "Ask a pharmacist", "Contact")
PAGES["legit/us-product-page.html"] = shell("en", "Lipitor 20 mg - Brightleaf Pharmacy", """
<h1>Lipitor 20 mg (atorvastatin)</h1>
<div class="product-card"><p>30 tablets</p><p>$95.00</p><p><strong>Prescription required:</strong> upload your prescription, or we contact your doctor for you.</p>
<button>Add to cart</button></div>
<p>Our pharmacists verify every prescription with your prescriber before we dispense it.</p>
<p>Questions? Call our pharmacist at (614) 555-0142, Monday to Saturday.</p>""", menu=LEGIT_MENU_EN,
    footer="Brightleaf Pharmacy, 2150 North High Street, Columbus, OH 43201. Phone (614) 555-0142. "
           "Ohio State Board of Pharmacy licence number 02-1234567. Pharmacist in charge: Dana Ruiz, PharmD.")
PAGES["legit/de-apotheke.html"] = shell("de", "Linden-Apotheke Freiburg", """
<h1>Willkommen in der Linden-Apotheke</h1>
<section><h2>Rezept einlösen</h2><p>Lösen Sie Ihr E-Rezept bequem mit der Gesundheitskarte ein oder schicken Sie uns Ihr Rezept vorab.
Jede Verordnung wird von unseren Apothekerinnen auf Wechselwirkungen geprüft.</p></section>
<section><h2>Rezeptfreie Arzneimittel</h2><ul>
<li class="product">Ibuprofen 400 mg, 20 Tabletten, 4,95 € <button>In den Warenkorb</button></li>
<li class="product">Paracetamol 500 mg, 20 Tabletten, 2,49 € <button>In den Warenkorb</button></li></ul></section>
<section><h2>Notdienst</h2><p>Außerhalb der Öffnungszeiten finden Sie die dienstbereite Apotheke im Notdienstkalender.</p></section>""",
    menu=("Start", "Leistungen", "Rezept einlösen", "Notdienst", "Kontakt", "Impressum"),
    footer="Linden-Apotheke, Inhaberin Dr. Maria Keller, Apothekerin. Lindenstraße 12, 79098 Freiburg. Telefon 0761 123456. "
           "Öffnungszeiten: Mo-Fr 8:00-18:30, Sa 8:30-13:00. Zuständige Aufsichtsbehörde: Regierungspräsidium Freiburg.")
PAGES["legit/fr-pharmacie.html"] = shell("fr", "Pharmacie du Marché - Lyon", """
<h1>Pharmacie du Marché</h1>
<section><h2>Envoyez votre ordonnance</h2><p>Envoyez votre ordonnance en ligne : nous préparons vos médicaments et vous prévenons quand ils sont prêts.
Les médicaments soumis à prescription ne sont délivrés que sur présentation de l'ordonnance originale.</p></section>
<section><h2>Médicaments sans ordonnance</h2><ul>
<li class="product">Doliprane paracétamol 1000 mg, 8 comprimés, 2,18 € <button>Ajouter au panier</button></li></ul></section>
<p>Nos pharmaciens répondent à vos questions au 04 78 00 00 00.</p>""", menu=("Accueil", "Ordonnance", "Conseils", "Contact"),
    footer="Pharmacie du Marché, 12 rue Mercière, 69002 Lyon, France. Téléphone 04 78 00 00 00. Pharmacien titulaire : Jean Martin.")
PAGES["legit/pl-apteka.html"] = shell("pl", "Apteka Pod Lipami - Kraków", """
<h1>Apteka Pod Lipami</h1>
<section><h2>Realizacja recept</h2><p>Zrealizuj e-receptę w naszej aptece: wystarczy kod i PESEL. Leki na receptę wydajemy tylko na podstawie ważnej recepty.</p></section>
<section><h2>Leki bez recepty</h2><ul><li class="product">Ibuprofen 200 mg, 20 tabletek, 9,99 zł <button>Dodaj do koszyka</button></li></ul></section>
<p>Nasz farmaceuta doradzi Ci w aptece lub telefonicznie.</p>""", menu=("Start", "Recepty", "Kontakt"),
    footer="Apteka Pod Lipami, ul. Długa 5, 31-147 Kraków, Polska. Telefon 12 345 67 89. Kierownik apteki: mgr farm. Anna Nowak.")

PAGES["legit/de-apotheke-ohne-rezept-menu.html"] = shell("de", "Stadt-Apotheke Ulm", """
<h1>Stadt-Apotheke</h1>
<section><h2>Ohne Rezept</h2><ul>
<li class="product">Ibuprofen 400 mg, 20 Tabletten, 4,95 € <button>In den Warenkorb</button></li></ul></section>
<p>Lösen Sie Ihr E-Rezept bei uns ein. Unsere Apothekerinnen beraten Sie gern.</p>""",
    menu=("Start", "Rezept einlösen", "Ohne Rezept", "Warenkorb", "Kontakt"),
    footer="Stadt-Apotheke, Inhaber Max Huber, Apotheker. Hirschstraße 4, 89073 Ulm. Telefon 0731 123456. info@stadt-apotheke-ulm.de")

# ---------------------------------------------------------------- rogue shops in each language
ROGUE = {
    "de": ("Kamagra kaufen - PotenzApo", "Kein Rezept erforderlich", "Kamagra 100 mg", "10 Tabletten", "19,90 €", "In den Warenkorb"),
    "fr": ("Acheter Cialis - PharmaFrance", "Pas besoin d'ordonnance", "Cialis 20 mg", "10 comprimés", "29,00 €", "Ajouter au panier"),
    "es": ("Comprar Tramadol - FarmaExpress", "No se necesita receta médica", "Tramadol 100 mg", "30 pastillas", "59,00 €", "Añadir al carrito"),
    "it": ("Acquista Kamagra - FarmaciaFacile", "Acquista senza ricetta", "Kamagra Oral Jelly 100 mg", "7 bustine", "24,00 €", "Aggiungi al carrello"),
    "nl": ("Viagra bestellen - SnelPil", "Geen recept nodig", "Viagra 100 mg", "10 tabletten", "29,95 €", "In winkelwagen"),
    "pl": ("Viagra bez recepty - TaniaApteka24", "Viagra bez recepty, dyskretna wysyłka", "Viagra 100 mg", "10 tabletek", "89,00 zł", "Dodaj do koszyka"),
    "pt": ("Comprar Cialis - FarmaciaJá", "Sem receita médica", "Cialis 20 mg", "10 comprimidos", "R$ 99,00", "Adicionar ao carrinho"),
}
for lang, (title, claim, name, qty, price, cart) in ROGUE.items():
    PAGES[f"languages/rogue-{lang}.html"] = shell(lang, title, f"""
<div class="hero"><h2>{claim}</h2></div>
<div class="product-list">
<div class="product-card"><h3>{name}</h3><p>{qty}</p><p class="price">{price}</p><button>{cart}</button></div>
</div>""")

# ---------------------------------------------------------------- pages that only write about medicines
PAGES["not-pharmacy/price-article-en.html"] = shell("en", "How much does Viagra cost? - HealthNews Daily", """
<article><h1>How much does Viagra cost?</h1>
<p>Brand Viagra costs about $70 a pill at US pharmacies, and insurance rarely covers it.</p>
<p>Generic sildenafil is far cheaper: on average $2 to $4 a tablet with a coupon. Ask your doctor whether it suits you.</p>
<p>Beware of websites that sell Viagra without a prescription: the pills may be counterfeit.</p></article>""",
    menu=("News", "Health", "Politics", "Subscribe"))
PAGES["not-pharmacy/news-es.html"] = shell("es", "Alerta sanitaria - Diario de Salud", """
<article><h1>Sanidad alerta de la venta ilegal de tramadol por internet</h1>
<p>La agencia del medicamento advierte de que las webs que venden tramadol sin receta son ilegales y peligrosas.
Según el informe, los comprimidos incautados eran falsificados.</p></article>""", menu=("Portada", "Salud", "Ciencia"))
PAGES["not-pharmacy/advertorial-supplement.html"] = shell("en", "My husband's secret - Men's Vitality Report", """
<article><h1>Bye Bye, Viagra!</h1>
<p>My husband tried Viagra and other little blue pills. Nothing worked until he found VigorMax.</p>
<p>VigorMax works better than Viagra, and you can buy it without any prescription, because it is a dietary supplement.</p>
<div class="offer-box"><p>Special offer: 1 bottle $39.95</p><a href="/order">Order now</a></div></article>""",
    menu=("Home", "Stories", "Order"))


def main() -> None:
    for rel, html in PAGES.items():
        path = HERE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    print(f"wrote {len(PAGES)} pages")


if __name__ == "__main__":
    main()
