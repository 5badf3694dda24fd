"""A loopback farm of fictional pharmacy sites, for bench/bench_audit.py.

One asyncio process serves ``--sites`` sites, site ``i`` on its own loopback address (see
:func:`site_address`: 127.20.0.1, 127.20.0.2, ...; the whole 127.0.0.0/8 range is loopback on Linux),
port 8080, plain HTTP/1.1 with keep-alive. Each site has a start page linking to ``--pages - 1`` other
pages (contact, about, pharmacist, prescriptions, faq, ...), a robots.txt, and four flavours that the
rules judge differently (a licensed pharmacy, a no-prescription shop, an impossible-prices shop, a health
blog). Pages are padded with realistic markup to about ``--page-kb`` KB.

Run by the bench: ``python bench/farm.py --sites 1000``; prints ``ready <n>`` on stdout once every address
listens, and serves until stdin closes or it is killed. Nothing leaves 127.0.0.0/8.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

PORT = 8080
SUBPAGES = [
    ("contact.html", "Contact us"),
    ("about.html", "About us"),
    ("pharmacist.html", "Ask our pharmacist"),
    ("prescriptions.html", "Prescriptions"),
    ("faq.html", "FAQ"),
    ("shipping.html", "Shipping and delivery"),
    ("privacy.html", "Privacy policy"),
    ("terms.html", "Terms and conditions"),
    ("licence.html", "Our licences"),
    ("products/atorvastatin-20mg.html", "Atorvastatin 20 mg"),
    ("products/sertraline-50mg.html", "Sertraline 50 mg"),
    ("products/sildenafil-100mg.html", "Sildenafil 100 mg"),
]
FLAVOURS = ("licensed", "no-prescription", "impossible-prices", "blog")


def site_address(i: int) -> str:
    """The loopback address of site ``i`` (0-based): 250 sites per /24, from 127.20.0.1."""
    return f"127.20.{i // 250}.{i % 250 + 1}"


def dead_address(i: int) -> str:
    """A loopback address where nothing listens (connection refused at once), for padding long lists."""
    return f"127.21.{(i // 250) % 250}.{i % 250 + 1}"


_DRUGS = [
    ("Atorvastatin", "20 mg", 30, 12.40), ("Sertraline", "50 mg", 30, 10.50), ("Metformin", "500 mg", 60, 9.80),
    ("Lisinopril", "10 mg", 90, 11.20), ("Amoxicillin", "500 mg", 21, 8.75), ("Levothyroxine", "50 mcg", 90, 14.30),
    ("Sildenafil", "100 mg", 8, 24.99), ("Tadalafil", "5 mg", 30, 31.00), ("Omeprazole", "20 mg", 28, 7.90),
]


def _padding(kb: float, flavour: str) -> str:
    """Markup that real pages carry around their words: menus, product tiles, scripts, footers."""
    target = int(kb * 1000)
    parts = ['<div class="mega-menu"><ul>']
    for name, dose, qty, price in _DRUGS:
        parts.append(f'<li class="menu-item"><a href="#{name.lower()}" class="menu-link">{name}</a></li>')
    parts.append("</ul></div>")
    parts.append('<script type="application/ld+json">{"@context":"https://schema.org","@type":"WebSite","name":"@@NAME@@"}</script>')
    size = sum(len(p) for p in parts)
    i = 0
    while size < target:
        name, dose, qty, price = _DRUGS[i % len(_DRUGS)]
        if flavour == "impossible-prices":
            price = 0.49 + (i % 5) * 0.1
        tile = (
            f'<div class="product-tile" data-sku="SKU{i:05d}"><h3 class="tile-title">{name} {dose}</h3>'
            f'<p class="tile-text">{qty} tablets. Generic {name.lower()} {dose}, dispensed by our pharmacy team. '
            f'Ask your doctor or pharmacist whether {name.lower()} is right for you.</p>'
            f'<span class="price">${price:.2f}</span></div>\n'
        )
        parts.append(tile)
        size += len(tile)
        i += 1
    return "".join(parts)


_TEXT = {
    "licensed": {
        "home": "<h1>@@NAME@@ - your licensed online pharmacy</h1><p>A valid prescription from your doctor is required "
        "for all prescription medicines. Our pharmacists verify every prescription with your prescriber.</p>",
        "contact.html": "<h1>Contact us</h1><address>@@NAME@@, 1200 Market Street, Suite 4, Philadelphia, PA 19107, United States</address>"
        "<p>Phone: (215) 555-0142. Email: care@example.com. Pharmacist on duty 8am-8pm.</p>",
        "about.html": "<h1>About us</h1><p>@@NAME@@ is licensed by the Pennsylvania State Board of Pharmacy, licence PP-438211.</p>",
        "pharmacist.html": "<h1>Ask our pharmacist</h1><p>Pharmacist-in-charge: Maria Lopez, PharmD, licence RP-448812. "
        "Call (215) 555-0143 to speak with a licensed pharmacist.</p>",
        "prescriptions.html": "<h1>Prescriptions</h1><p>We dispense prescription medicines only against a valid prescription. "
        "Your doctor can send an e-prescription, or you can upload a copy and we contact your prescriber.</p>",
    },
    "no-prescription": {
        "home": "<h1>@@NAME@@ - cheap meds online</h1><p>Buy Viagra, Cialis, Xanax and Tramadol online. "
        "No prescription needed! No doctor visit. Discreet worldwide shipping, pay with Bitcoin.</p>",
        "contact.html": "<h1>Contact</h1><p>Use our contact form. We answer within 48 hours.</p>",
        "about.html": "<h1>About</h1><p>The best prices on the internet. Bonus pills with every order.</p>",
        "pharmacist.html": "<h1>Support</h1><p>Our support team answers questions about your order.</p>",
        "prescriptions.html": "<h1>Ordering</h1><p>No prescription required for any product. Order without prescription today.</p>",
    },
    "impossible-prices": {
        "home": "<h1>@@NAME@@ - discount pharmacy</h1><p>Brand Viagra 100 mg at $0.99 per pill. Cialis 20 mg at $1.10. "
        "Talk to your doctor if you wish.</p>",
        "contact.html": "<h1>Contact</h1><p>Email: sales@example.net</p>",
        "about.html": "<h1>About</h1><p>We ship from partner pharmacies worldwide.</p>",
        "pharmacist.html": "<h1>Help</h1><p>Questions? Write to our sales team.</p>",
        "prescriptions.html": "<h1>How to order</h1><p>Add to cart and check out. Bulk discounts from 90 pills.</p>",
    },
    "blog": {
        "home": "<h1>@@NAME@@ health blog</h1><p>Articles about statins, blood pressure and how to buy medicines safely online. "
        "Beware of sites that say no prescription needed.</p>",
        "contact.html": "<h1>Contact the editors</h1><p>Write to editors@example.org.</p>",
        "about.html": "<h1>About this blog</h1><p>Written by health journalists. We sell nothing.</p>",
        "pharmacist.html": "<h1>Ask the expert</h1><p>Our columnist answers readers' questions every month.</p>",
        "prescriptions.html": "<h1>Prescriptions explained</h1><p>Why a prescription protects you.</p>",
    },
}


def render(flavour: str, path: str, title: str, n_links: int, kb: float) -> bytes:
    texts = _TEXT[flavour]
    key = "home" if path == "/" else path.lstrip("/")
    words = texts.get(key) or f"<h1>{title}</h1><p>@@NAME@@: {title.lower()}. Read carefully before ordering.</p>"
    nav = ""
    if path == "/":
        nav = "<nav>" + " ".join(f'<a href="/{p}">{t}</a>' for p, t in SUBPAGES[:n_links]) + "</nav>"
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} - @@NAME@@</title>'
        f'<meta name="description" content="@@NAME@@"></head><body><header>{nav}</header><main>{words}'
        f"{_padding(kb, flavour)}</main><footer><p>&copy; 2024 @@NAME@@</p></footer></body></html>"
    )
    return html.encode("utf-8")


class Farm:
    def __init__(self, sites: int, pages: int, kb: float):
        self.sites = sites
        self.n_links = max(0, min(pages - 1, len(SUBPAGES)))
        self.index = {site_address(i): i for i in range(sites)}
        self.templates: dict[tuple[str, str], bytes] = {}
        for flavour in FLAVOURS:
            self.templates[(flavour, "/")] = render(flavour, "/", "Home", self.n_links, kb)
            for path, title in SUBPAGES[: self.n_links]:
                self.templates[(flavour, "/" + path)] = render(flavour, "/" + path, title, self.n_links, kb)
        self.requests = 0

    def answer(self, address: str, path: str) -> bytes:
        self.requests += 1
        i = self.index.get(address, 0)
        if path == "/robots.txt":
            body, ctype, status = b"User-agent: *\nDisallow: /cart/\n", b"text/plain", b"200 OK"
        else:
            template = self.templates.get((FLAVOURS[i % len(FLAVOURS)], path.split("?", 1)[0]))
            if template is None:
                body, ctype, status = b"<!doctype html><title>Not found</title><p>No such page.</p>", b"text/html; charset=utf-8", b"404 Not Found"
            else:
                body, ctype, status = template.replace(b"@@NAME@@", b"Pharmacy %05d" % i), b"text/html; charset=utf-8", b"200 OK"
        head = b"HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n" % (status, ctype, len(body))
        return head + body


class _Http(asyncio.Protocol):
    def __init__(self, farm: Farm, latency: float = 0.0):
        self.farm = farm
        self.latency = latency  # seconds before each answer: a stand-in for the network and a real server
        self.buf = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.address = transport.get_extra_info("sockname")[0]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if len(self.buf) > 65536:
            self.transport.close()
            return
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end], self.buf[end + 4 :]
            parts = head.split(b"\r\n", 1)[0].split(b" ")
            if len(parts) != 3:
                self.transport.close()
                return
            answer = self.farm.answer(self.address, parts[1].decode("latin-1"))
            if self.latency:
                asyncio.get_running_loop().call_later(self.latency, self._send, answer)
            else:
                self.transport.write(answer)

    def _send(self, answer: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(answer)


async def serve(sites: int, pages: int, kb: float, latency: float = 0.0) -> None:
    farm = Farm(sites, pages, kb)
    loop = asyncio.get_running_loop()
    servers = []
    for i in range(sites):
        servers.append(await loop.create_server(lambda: _Http(farm, latency), site_address(i), PORT, backlog=256, reuse_address=True))
    print(f"ready {sites}", flush=True)
    # serve until stdin closes (the bench ended or died): the farm never outlives its bench
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.read()
    for s in servers:
        s.close()


def main() -> None:
    ap = argparse.ArgumentParser(description="A loopback farm of fictional pharmacy sites (bench only).")
    ap.add_argument("--sites", type=int, default=1000)
    ap.add_argument("--pages", type=int, default=7, help="pages per site, start page included")
    ap.add_argument("--page-kb", type=float, default=8.0, help="approximate size of each page")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="delay before each answer (a real network and server)")
    args = ap.parse_args()
    asyncio.run(serve(args.sites, args.pages, args.page_kb, args.latency_ms / 1000))


if __name__ == "__main__":
    main()
