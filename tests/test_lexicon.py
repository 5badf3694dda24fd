"""The lexicons: one file per language, the phrase syntax, and the languages a page is read in."""

from __future__ import annotations

import re
import time

import pytest

from pharmcheck.rules import _lexicon
from tests.helpers import make_site


def rx(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + _lexicon.compile_phrase(phrase) + r")(?!\w)")


@pytest.mark.parametrize(
    ("phrase", "text", "hit"),
    [
        ("e rezept", "lösen sie ihr e-rezept ein", True),
        ("e rezept", "erezept", False),
        ("d ordonnance", "pas besoin d'ordonnance", True),
        ("prescri*", "no prescription needed", True),
        ("prescri*", "subscription", False),
        ("sans ordonnance|prescription", "achetez sans prescription", True),
        ("no [doctor] prescription", "no doctor prescription", True),
        ("no [doctor] prescription", "no prescription", True),
        ("kein rezept ~ erforderlich", "kein rezept ist dafür erforderlich", True),
        ("kein rezept ~ erforderlich", "kein rezept ist hier für niemanden jemals erforderlich", False),
        ("médica|medica", "receta medica", True),
        ("bez recepty", "viagra bez recepty", True),
        ("bez recepty", "bezrecepty", False),
        ("recept", "receptor", False),
    ],
)
def test_phrase_syntax(phrase, text, hit):
    assert bool(rx(phrase).search(text)) is hit


@pytest.mark.parametrize("bad", ["No Rx", "a  b", "(x)", "a.b", "x?", "[a", "a ~", " a", "[]", "a|", "a'b"])
def test_bad_phrases_are_refused(bad):
    with pytest.raises(_lexicon.LexiconError):
        _lexicon.compile_phrase(bad)


def test_compiled_phrases_run_in_linear_time():
    pattern = rx("no ~ [valid] prescri* [is] need*|requir*")
    text = "no " * 20_000 + "a" * 50_000
    started = time.process_time()
    pattern.search(text)
    assert time.process_time() - started < 1.0


def test_every_language_file_has_every_key_and_compiles():
    for code in _lexicon.LANGUAGES:
        lex = _lexicon.lexicon(code)
        assert set(lex.words) == set(_lexicon.KEYS)
        assert len(lex.stopwords) >= 20, code
        for key in _lexicon.KEYS:
            if key != "stopwords":
                _lexicon.pattern(code, key)  # raises on a bad phrase


@pytest.mark.parametrize(
    ("code", "claim"),
    [
        ("en", "No prescription needed"),
        ("de", "Kein Rezept erforderlich"),
        ("fr", "Pas besoin de prescription"),
        ("fr", "Pas besoin d'ordonnance"),
        ("es", "No se necesita receta médica"),
        ("it", "Acquista senza ricetta"),
        ("nl", "Geen recept nodig"),
        ("pl", "Viagra bez recepty"),
        ("pt", "Sem receita médica"),
        ("pt", "Não é necessária receita médica"),
        ("it", "Nessuna prescrizione necessaria"),
        ("es", "No se requiere receta"),
        ("en", "A prescription from your doctor is not necessary"),
        ("en", "You don't need a prescription"),
    ],
)
def test_no_prescription_claims_in_each_language(code, claim):
    assert _lexicon.search(claim, "no_prescription", (code,)) is not None


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("de", "Rezept einlösen"),
        ("de", "Ihr E-Rezept"),
        ("fr", "Envoyez votre ordonnance"),
        ("es", "Receta electrónica"),
        ("pl", "Realizacja recept"),
    ],
)
def test_pharmacy_services_in_each_language(code, text):
    assert _lexicon.search(text, "pharmacy_services", (code,)) is not None


@pytest.mark.parametrize(
    ("code", "text"),
    [("en", "No prescription fees, and no prescription transfer charges."),
     ("pt", "Não vendemos medicamentos"), ("de", "Rezeptfreie Arzneimittel")],
)
def test_not_red_flag_phrases(code, text):
    assert _lexicon.search(text, "no_prescription", (code,)) is None


def test_refusals_are_read():
    assert _lexicon.search("We do not sell Viagra online.", "refusal", ("en",)) is not None
    assert _lexicon.search("Não vendemos estes medicamentos.", "refusal", ("pt",)) is not None


def test_news_sentences_are_not_red_flags():
    neutral = {
        "en": "The minister said the hospital will open a new wing next year.",
        "de": "Der Minister sagte, das Krankenhaus werde im nächsten Jahr einen neuen Flügel eröffnen.",
        "fr": "Le ministre a déclaré que l'hôpital ouvrira une nouvelle aile l'année prochaine.",
        "es": "El ministro dijo que el hospital abrirá una nueva ala el próximo año.",
    }
    for code, text in neutral.items():
        assert _lexicon.search(text, "no_prescription", (code,)) is None, code


def page(body: str, lang: str | None = None) -> str:
    attr = f' lang="{lang}"' if lang else ""
    return f"<html{attr}><head><title>t</title></head><body>{body}</body></html>"


def test_page_language_declared_detected_and_english():
    fr = ("Nous proposons à la fois des génériques et des originaux. Vous pouvez commander l'un ou l'autre, "
          "cependant, les génériques sont moins chers que les originaux de marque et ils fonctionnent comme eux.")
    site = make_site(page(f"<p>{fr}</p>"))
    assert _lexicon.page_languages(site.pages[0])[:1] == ("fr",)
    assert "en" in _lexicon.page_languages(site.pages[0])
    declared = make_site(page("<p>Hallo</p>", lang="de-DE"))
    assert _lexicon.page_languages(declared.pages[0]) == ("de", "en")
    unknown = make_site(page("<p>Hello</p>", lang="xx"))
    assert _lexicon.page_languages(unknown.pages[0]) == ("en",)


def test_find_is_cached_and_gives_offsets_in_the_page_text():
    site = make_site(page("<p>Achetez vos pilules. Pas besoin de prescription !</p>", lang="fr"))
    p = site.pages[0]
    found = _lexicon.find(p, "no_prescription")
    assert found and p.text[found[0][0] : found[0][1]].lower().startswith("pas besoin")
    assert _lexicon.find(p, "no_prescription") is found


def test_a_pages_words_and_languages_come_from_one_scan_with_the_same_answers():
    # page_languages reads the start of the text, page_words all of it: one scan of each part serves both,
    # a word cut at the detection limit included.
    from collections import Counter

    from pharmcheck.rules import _lexicon
    from tests.helpers import make_site

    for pad in range(6):
        text = "x" * pad + " " + " ".join(["der", "und", "the", "langwort"] * 2500)
        page = make_site(f"<html><head><title>Titel</title></head><body><p>{text}</p></body></html>").pages[0]
        ranked = _lexicon._ranked(Counter(_lexicon._head_words(page)))
        assert ranked == _lexicon.detected_languages(page.title + " " + page.text)
        assert _lexicon.page_words(page)[0] == frozenset(_lexicon._WORD.findall(_lexicon.lower(page)))
