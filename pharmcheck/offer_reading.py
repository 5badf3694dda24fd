"""Reading a page's offers from its structure (private to :mod:`pharmcheck.facts`, which calls these).

Each reader looks at one kind of place: a product card, table row, list item or offer box
(:func:`_offers_in_blocks`), schema.org data in JSON-LD and microdata, a product page's ``<option>`` list,
rows that hold a price but no name on a page about one medicine, product links and add-to-cart forms, and
the running text (the prescription-drug vocabulary's offers, read again as offers of the table's
medicines). :func:`pharmcheck.facts.offers` runs them in that order, once per site.
"""

from __future__ import annotations

from typing import Any, Iterator

from .facts import (
    _STRENGTH_RX,
    _WHERE_OF_KIND,
    MAX_CARD,
    MAX_OFFERS_PER_PAGE,
    Offer,
    PageFacts,
    _clip,
    _currency,
    _fill,
    _quantity,
    _strength,
    block_quote,
    parse_amount,
)
from .site import Block, Page

def _is_prose(blk: Block) -> bool:
    return blk.kind in ("para", "heading", "box")


def _offers_in_blocks(page: Page, pf: PageFacts) -> list[Offer]:
    from pharmcheck.rules import _drugs, _lexicon

    out: list[Offer] = []
    done: set[tuple[str, int]] = set()  # (ingredients, container) already read
    text, low = page.text, pf.low
    langs = pf.languages
    props_by_block: dict[int, list] = {}
    for prop in page.props:
        if prop.name.startswith("data-") and prop.block != -1:
            props_by_block.setdefault(prop.block, []).append(prop)
    for i, mention in enumerate(pf.mentions):
        if len(out) >= MAX_OFFERS_PER_PAGE:
            break
        inner = b = page.block_at(mention.start, mention.end)
        if b == -1 or page.blocks[b].chrome:
            continue  # a menu entry is not an offer
        chosen = None
        climbed = 0
        while b != -1 and climbed < 6:
            blk = page.blocks[b]
            if blk.chrome or blk.end - blk.start > MAX_CARD or blk.tag in ("body", "main"):
                break
            prices = pf.has_price(blk.start, blk.end)
            data_price = bool(props_by_block) and any(  # (most pages have no price data attribute)
                p.name in ("data-price", "data-product-price", "data-price-amount", "data-sale-price")
                for bb, props in props_by_block.items() if bb != -1 and blk.start <= page.blocks[bb].start <= blk.end
                for p in props)
            cart = pf.has_cart_in(blk.start, blk.end)
            if prices or cart or data_price:
                chosen = (b, blk, cart, data_price)
                break
            b = blk.parent
            climbed += 1
        if chosen is None:
            continue
        b, blk, cart, data_price = chosen
        key = (mention.medicine.generic, b)
        if key in done:
            continue  # (the tests below only drop a mention: none of them changes what a later one reads)
        if inner != b and page.blocks[inner].kind in ("para", "heading", "box", "cell", "item"):
            own = page.blocks[inner]
            if len(text[own.start : own.end].split()) > 12:
                # The name sits in a sentence of prose ("My husband tried Viagra and other little blue pills"),
                # and the price in another block: the sentence itself must sell, or it is not an offer.
                lo, hi = _drugs.sentence_bounds(text, mention.start, mention.end)
                lo, hi = max(lo, own.start), min(hi, own.end)
                if not (pf.has_cart_in(lo, hi) or pf.has_price(lo, hi)):
                    continue
        # Other medicines in the same block: a block that lists many is a section, not one product's card.
        others = {m.medicine.generic for m in pf.mentions_in(blk.start, blk.end)}
        if len(others) > 3:
            continue
        sentence_lo, sentence_hi = blk.start, blk.end
        if _is_prose(blk):
            # Prose names medicines for many reasons: a price in a sentence about what a drug costs, a
            # warning, a question. Only a plain claim with a shop's words counts.
            lo, hi = _drugs.sentence_bounds(text, mention.start, mention.end)
            sentence_lo, sentence_hi = max(lo, blk.start), min(hi, blk.end)
            if blk.kind != "box" or blk.end - blk.start > 300:
                if _lexicon.combined(langs, "information") is not None and _lexicon.combined(langs, "information").search(low, sentence_lo, sentence_hi):
                    continue
                if _lexicon.combined(langs, "warning") is not None and _lexicon.combined(langs, "warning").search(low, sentence_lo, sentence_hi):
                    continue
                if _drugs.context(page, mention.start, mention.end, bounds=(sentence_lo, sentence_hi)) != _drugs.CLAIM:
                    continue
                if not cart and not pf.has_price(sentence_lo, sentence_hi):
                    continue
                blk_lo, blk_hi = sentence_lo, sentence_hi
            else:
                blk_lo, blk_hi = blk.start, blk.end
        else:
            blk_lo, blk_hi = blk.start, blk.end
        if mention.ambiguous and not (cart or _STRENGTH_RX.search(low, mention.end, min(blk_hi, mention.end + 12))):
            continue  # "Soma", "Cipro": only with a strength right after it or a cart control
        if _drugs.is_comparison(text, mention.start, mention.end):
            continue
        done.add(key)
        where = _WHERE_OF_KIND.get(blk.kind, "card")
        offer = Offer(medicine=mention.medicine, name=mention.name, url=page.url, where=where,
                      quote=_clip(text[blk_lo:blk_hi], mention.start - blk_lo), strong=False, why="", start=mention.start,
                      page=page)
        _fill(offer, page, pf, blk_lo, blk_hi, mention.end)
        if offer.price is None and data_price:
            for bb, props in props_by_block.items():
                if bb != -1 and blk.start <= page.blocks[bb].start <= blk.end:
                    values = {p.name: p.value for p in props}
                    amount = parse_amount(values.get("data-price") or values.get("data-product-price") or
                                          values.get("data-price-amount") or values.get("data-sale-price") or "")
                    if amount:
                        offer.price, offer.currency = amount, _currency(values.get("data-currency")) or offer.currency
                        break
        pack = offer.quantity is not None or offer.strength is not None
        # A price with a pack is an offer on a page that sells (a cart or buy control somewhere); on a page
        # with none it may be a price comparison or an article's table, one weak sign.
        offer.strong = bool(cart or (offer.price is not None and pack and pf.cart_positions()))
        what = {"table-row": "a table row", "list-item": "a list item", "card": "a product card or offer box",
                "select": "a pack list", "form": "an order form", "text": "a sentence"}.get(where, where)
        parts = [p for p, ok in (("a price", offer.price is not None), ("a pack or strength", pack),
                                  ("a cart or buy control", cart)) if ok]
        offer.why = f"{what} holds the medicine with " + " and ".join(parts)
        out.append(offer)
    return out


def _jsonld_items(data: Any, depth: int = 0) -> Iterator[dict]:
    if depth > 8:
        return
    if isinstance(data, list):
        for item in data[:200]:
            yield from _jsonld_items(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "itemListElement", "item", "mainEntity", "isRelatedTo", "hasVariant"):
            if key in data:
                yield from _jsonld_items(data[key], depth + 1)


def _types(item: dict) -> set[str]:
    t = item.get("@type")
    values = t if isinstance(t, list) else [t]
    return {str(v).rsplit("/", 1)[-1].lower() for v in values if v}


def _offers_in_jsonld(page: Page) -> list[Offer]:
    from pharmcheck.rules import _medicines

    out: list[Offer] = []
    for data in page.jsonld:
        for item in _jsonld_items(data):
            if not _types(item) & {"product", "drug", "individualproduct", "productmodel"}:
                continue
            name = " ".join(str(item.get(k) or "") for k in ("name", "nonProprietaryName", "activeIngredient"))[:300]
            mention = next(iter(_medicines.find_in(name)), None)
            if mention is None:
                continue
            offers = item.get("offers")
            offer_list = [o for o in (offers if isinstance(offers, list) else [offers]) if isinstance(o, dict)]
            price = currency = quantity = None
            for o in offer_list:
                amount = o.get("price", o.get("lowPrice"))
                spec = o.get("priceSpecification")
                if amount is None and isinstance(spec, dict):
                    amount = spec.get("price")
                    currency = spec.get("priceCurrency")
                if amount is not None:
                    price = parse_amount(str(amount).replace(" ", "")) if not isinstance(amount, (int, float)) else float(amount)
                    currency = o.get("priceCurrency") or currency
                    eligible = o.get("eligibleQuantity")
                    if isinstance(eligible, dict) and str(eligible.get("value", "")).isdigit():
                        quantity = int(str(eligible["value"]))
                    break
            offer = Offer(medicine=mention.medicine, name=mention.name, url=page.url, where="json-ld",
                          quote=_clip(f"{item.get('name', '')} {price if price is not None else ''} {currency or ''}"),
                          strong=price is not None, why="schema.org Product data (JSON-LD) names the medicine"
                          + (" with a price" if price is not None else ""), price=price,
                          currency=str(currency).upper()[:3] if currency else None, page=page)
            offer.strength = _strength(name, 0, len(name))
            offer.quantity = quantity
            if price is not None and quantity:
                offer.unit_price = round(price / quantity, 4)
            out.append(offer)
            if len(out) >= 50:
                return out
    return out


def _offers_in_microdata(page: Page, pf: PageFacts) -> list[Offer]:
    from pharmcheck.rules import _medicines

    by_scope: dict[int, dict[str, str]] = {}
    for prop in page.props:
        if prop.block != -1 and not prop.name.startswith("data-"):
            by_scope.setdefault(prop.block, {}).setdefault(prop.name, prop.value)
    out: list[Offer] = []
    # An Offer scope nested in a Product scope gives its price to the product.
    for b, props in by_scope.items():
        blk = page.blocks[b]
        if blk.itemtype.lower() not in ("product", "drug", "individualproduct"):
            continue
        name = props.get("name", "") + " " + props.get("activeingredient", "")
        mention = next(iter(_medicines.find_in(name)), None)
        if mention is None:
            continue
        price = parse_amount(props.get("price", "") or props.get("lowprice", ""))
        currency = props.get("pricecurrency")
        if price is None:
            for b2, p2 in by_scope.items():
                if b2 != b and blk.start <= page.blocks[b2].start <= blk.end and p2.get("price"):
                    price = parse_amount(p2["price"])
                    currency = currency or p2.get("pricecurrency")
                    break
        offer = Offer(medicine=mention.medicine, name=mention.name, url=page.url, where="microdata",
                      quote=_clip(page.text[blk.start : blk.end]), strong=price is not None,
                      why="schema.org Product markup (microdata or RDFa) names the medicine" + (" with a price" if price is not None else ""),
                      price=price, currency=currency.upper()[:3] if currency else None, page=page)
        _fill_missing(offer, page, pf, blk)
        out.append(offer)
    return out


def _fill_missing(offer: Offer, page: Page, pf: PageFacts, blk: Block) -> None:
    offer.strength = offer.strength or _strength(page.text, blk.start, blk.end, pf.low)
    offer.quantity = offer.quantity or _quantity(pf.low, blk.start, blk.end, pf.languages)
    if offer.price is not None and offer.quantity and offer.unit_price is None:
        offer.unit_price = round(offer.price / offer.quantity, 4)


def _page_medicine(page: Page, pf: PageFacts) -> Any:
    """The one medicine a product page is about: named in its title or its first heading."""
    from pharmcheck.rules import _medicines

    found: dict = {}
    for m in _medicines.find_in(page.title):
        found.setdefault(m.medicine.generic, m)  # the first name: "Atorvastatin 20 mg (Generic Lipitor)"
    if len(found) != 1:
        heading = next((blk for blk in page.blocks if blk.kind == "heading" and not blk.chrome), None)
        if heading is not None:
            found = {}
            for m in pf.mentions_in(heading.start, heading.end):
                found.setdefault(m.medicine.generic, m)
    return next(iter(found.values())) if len(found) == 1 else None


def _offers_in_selects(page: Page, pf: PageFacts) -> list[Offer]:
    """A product page's pack list: ``<option>30 pills - $45.00</option>`` under a medicine's title, with a cart."""
    selects = [b for b, blk in enumerate(page.blocks) if blk.kind == "select"]
    if not selects:
        return []
    mention = _page_medicine(page, pf)
    if mention is None:
        return []
    out: list[Offer] = []
    for s in selects:
        sel = page.blocks[s]
        options = [blk for blk in page.blocks if blk.kind == "option" and blk.parent == s]
        for opt in options[:12]:
            if not pf.has_price(opt.start, opt.end):
                continue
            offer = Offer(medicine=mention.medicine, name=mention.name, url=page.url, where="select",
                          quote=_clip(f"{mention.name}: {page.text[opt.start:opt.end]}"), strong=True,
                          why="a pack list on the medicine's page gives a pack with its price", page=page)
            _fill(offer, page, pf, opt.start, opt.end, opt.start)
            offer.strength = offer.strength or _strength(page.title, 0, len(page.title))
            out.append(offer)
        if out:
            cart = pf.has_cart_in(sel.start, sel.end + 400) or bool(pf.cart_positions())
            for offer in out:
                offer.strong = cart or offer.quantity is not None
            break
    return out


def _offers_in_nameless_rows(page: Page, pf: PageFacts, found: list[Offer]) -> list[Offer]:
    """A product page's price table whose rows name no medicine ("10 pills | $50.00 | Add to cart" under
    "<h1>Viagra 100 mg</h1>"): each row with a pack and a price is an offer of the page's medicine."""
    mention = None
    out: list[Offer] = []
    taken = {o.start for o in found}
    for blk in page.blocks:
        if blk.kind not in ("row", "item", "option") or blk.chrome or blk.end - blk.start > 200:
            continue
        if pf.mentions_in(blk.start, blk.end):
            continue  # rows that name their medicine were read above
        if not pf.has_price(blk.start, blk.end):
            continue
        qty = _quantity(pf.low, blk.start, blk.end, pf.languages)
        if qty is None:
            continue
        if mention is None:
            mention = _page_medicine(page, pf)
            if mention is None:
                return []
        offer = Offer(medicine=mention.medicine, name=mention.name, url=page.url, where=_WHERE_OF_KIND.get(blk.kind, "card"),
                      quote=_clip(f"{mention.name}: {page.text[blk.start:blk.end]}"), strong=True,
                      why=f"a row of the price table on the page of {mention.name} gives a pack and its price",
                      start=blk.start, page=page)
        if offer.start in taken:
            continue
        _fill(offer, page, pf, blk.start, blk.end, blk.start)
        offer.strong = pf.has_cart_in(blk.start, blk.end) or offer.quantity is not None
        out.append(offer)
        if len(out) >= 12:
            break
    return out


def _offers_from_links_and_forms(page: Page) -> list[Offer]:
    """Product links ("Buy Xanax" -> /product/xanax) and add-to-cart forms on a medicine's page."""
    from pharmcheck.rules import _drugs, _medicines

    out: list[Offer] = []
    for old in _drugs.link_and_form_offers(page):
        med = _medicines.lookup(old.name) or _medicines.lookup(old.drug.name)
        if med is None:
            continue
        out.append(Offer(medicine=med, name=old.name, url=page.url, where=old.where, quote=_clip(old.quote),
                         strong=old.strength == _drugs.STRONG, why=old.why, page=page))
    return out


def _offers_in_text(page: Page, pf: PageFacts, covered: set[str]) -> list[Offer]:
    """Offers in running text that no block marks out (one line per offer in a plain page)."""
    from pharmcheck.rules import _drugs, _medicines

    out: list[Offer] = []
    for old in _drugs.text_offers(page, set(covered)):
        med = _medicines.lookup(old.name) or _medicines.lookup(old.drug.name)
        if med is None or med.generic in covered:
            continue
        start = old.start
        b = page.block_at(start) if start >= 0 else -1
        if b != -1 and page.blocks[b].chrome:
            continue  # a menu entry, followed in the flattened text by somebody else's price
        if b != -1 and page.blocks[b].kind in ("para", "box"):
            lo, hi = _drugs.sentence_bounds(page.text, start, start + len(old.name))
            lo, hi = max(lo, page.blocks[b].start), min(hi, page.blocks[b].end)
            if len(page.text[lo:hi].split()) > 12 and not pf.has_cart_in(lo, hi):
                continue  # a story that mentions a price ("the $70 price per pill put him off") sells nothing
        offer = Offer(medicine=med, name=old.name, url=page.url, where="text",
                      quote=block_quote(page, start, start + len(old.name)) if start >= 0 else _clip(old.quote),
                      strong=old.strength == _drugs.STRONG, why=old.why, start=start, page=page)
        if start >= 0:
            lo, hi = _drugs.sentence_bounds(page.text, start, start + len(old.name))
            _fill(offer, page, pf, lo, min(hi, start + 200), start + len(old.name))
        out.append(offer)
    return out
