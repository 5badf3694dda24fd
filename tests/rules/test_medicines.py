"""The medicines rule: unauthorised brands and controlled substances offered, marks no claim washes out."""

from __future__ import annotations

from pharmcheck.engine import analyze
from pharmcheck.findings import FAIL, INFO, NOT_APPLICABLE, WARN
from pharmcheck.rules import medicines
from tests.helpers import make_site


def page(body: str, title: str = "Shop") -> str:
    return f"<html lang='en'><head><title>{title}</title></head><body>{body}</body></html>"


def run(html: str):
    return list(medicines.check(make_site(html)))


def test_unauthorised_brand_offered_fails():
    findings = run(page("<ul><li>Kamagra Oral Jelly 100 mg, 7 sachets, $19.90 <button>Add to cart</button></li></ul>"))
    assert [f.outcome for f in findings] == ["medicines-unauthorised-offered"]
    assert findings[0].status == FAIL
    assert "Kamagra" in findings[0].evidence[0].quote
    assert "no marketing authorisation" in findings[0].evidence[0].why


def test_controlled_substance_offered_warns():
    findings = run(page("<ul><li>Xanax 2 mg, 90 pills, $180 <button>Add to cart</button></li></ul>"))
    assert [f.outcome for f in findings] == ["medicines-controlled-offered"]
    assert findings[0].status == WARN
    assert findings[0].facts["controlled"][0]["us_schedule"] == "IV"


def test_authorised_medicines_are_not_flagged():
    findings = run(page("<ul><li>Lipitor 20 mg, 30 tablets, $95.00 <button>Add to cart</button></li></ul>"))
    assert [(f.outcome, f.status) for f in findings] == [("medicines-none-flagged", INFO)]


def test_no_offer_is_not_applicable():
    findings = run(page("<p>Statins lower cholesterol. Ask your doctor about atorvastatin.</p>"))
    assert [(f.outcome, f.status) for f in findings] == [("medicines-not-applicable", NOT_APPLICABLE)]


def test_a_warning_about_an_unauthorised_brand_is_not_a_mark():
    html = page(
        "<h1>Our pharmacy</h1><p>We fill prescriptions. Refill your prescription online.</p>"
        "<p>Beware: Kamagra is an illegal, unlicensed copy of Viagra and may be counterfeit.</p>"
    )
    assert [f.outcome for f in run(html)] == ["medicines-not-applicable"]


def test_a_prescription_claim_does_not_wash_out_an_unauthorised_offer():
    html = page(
        "<p>A valid prescription is required for all prescription medicines. Upload your prescription at checkout.</p>"
        "<table><tr><td>Kamagra 100 mg</td><td>10 pills</td><td>$25.00</td><td><button>Add to cart</button></td></tr>"
        "<tr><td>Tramadol 50 mg</td><td>60 pills</td><td>$99.00</td><td><button>Add to cart</button></td></tr></table>"
    )
    report = analyze(make_site(html).raw)
    assert report["verdict"]["code"] == "likely-rogue"
    assert "medicines-unauthorised-offered" in report["verdict"]["critical"]
    outcomes = {f["outcome"] for r in report["rules"] for f in r["findings"]}
    assert "prescription-required" in outcomes  # the claim is read, and does not carry the site


def test_a_pharmacy_saying_a_brand_is_not_licensed_is_not_marked():
    html = page("<h1>Our pharmacy</h1><p>Refill your prescription online.</p>"
                "<p>Kamagra is not licensed in the UK: buy sildenafil only on prescription.</p>")
    assert not [f.outcome for f in run(html) if f.outcome.startswith("medicines-unauthorised")]
