"""The built book, read in a real browser: headless Chromium over a loopback HTTP server.

Runs after ``jupyter-book build`` (``.ci/run`` does it as a separate pytest call after the build). Every page
of ``_build/html`` is loaded at 1400 px and at 400 px, and the test asserts what a reader would otherwise
stumble on:

- every math element is typeset by MathJax, and no raw TeX (``\\frac``, ``$...$``, ``^{...}``) or
  unrendered MyST role (``{glue:text}``, ``{cite}``) is left in the text;
- the browser console shows no error, and no request leaves the loopback host;
- no link or button leads to a repository or launcher (GitHub, Binder, Colab) other than the one set in
  ``_config.yml`` (none while it is empty);
- every figure is a numbered ``<figure>`` with a caption and a meaningful alt text, no plot is shown as a
  bare cell output or as its text repr (``<Figure size ...>``), and no figure image is shrunk below 70 % of its own width at 1400 px (text drawn at
  9 pt or more then stays at least 9 px on screen);
- every claims table carries its legend, says which rows are asserted and which recorded, and keeps its
  outcome column on screen at 400 px;
- no table is wider than the text column at 1400 px.

It skips, with the reason, when Chromium, its driver (Debian: ``chromium``, ``chromium-driver``),
selenium, or the built book is missing, so the README's test command works without them; with
``INAL_REQUIRE_BROWSER=1`` (set by ``.ci/run``) a missing piece fails instead.

``python tests/test_browser.py --screenshots DIR [page ...]`` saves full-page screenshots at both widths.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
WIDE, NARROW = 1400, 400
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
# TeX or MyST markup that must never reach a reader as text (code blocks are excluded from the scan)
RAW_MARKUP = re.compile(
    r"\\(?:frac|mathbb|mathrm|sum|le|ge|chi|widehat|sqrt|pi|alpha|beta|sigma|theta|operatorname|begin|left|right)\b"
    r"|\\\(|\\\)|\\\[|\\\]|\$\$|\$[^$\s\d](?:[^$]*[^$\s])?\$|[\^_]\{"
    r"|\{(?:glue(?::\w+)?|cite(?::\w+)?|numref|ref|term|eq|doc|prf:\w+)\}`"
)
MIN_FIGURE_SCALE = 0.7


def repository_url():
    """``repository.url`` of ``_config.yml``: the only repository the book may link to (empty: none)."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return (config.get("repository") or {}).get("url") or ""


def chromium_paths():
    browser = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    driver = shutil.which("chromedriver")
    return browser, driver


REDIRECT_RE = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)"', re.I)


def built_pages():
    """Every HTML page of the built book (not the copied sources, images, static files or redirects)."""
    skip = {"_static", "_sources", "_images", "_downloads", "jupyter_execute"}
    return sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
                  if not skip & set(p.relative_to(HTML).parts) and not REDIRECT_RE.search(p.read_text(errors="ignore")))


def _skip_reason():
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -r requirements.txt)"
    browser, driver = chromium_paths()
    if not browser or not driver:
        return "Chromium or chromedriver not found (Debian: apt-get install chromium chromium-driver)"
    if not (HTML / "index.html").exists():
        return "the book is not built (run `jupyter-book build .` first)"
    return None


SKIP = _skip_reason()
# CI sets INAL_REQUIRE_BROWSER=1 after the build: there a missing browser or build is a failure, not a skip.
REQUIRED = os.environ.get("INAL_REQUIRE_BROWSER") == "1"
pytestmark = pytest.mark.skipif(SKIP is not None and not REQUIRED, reason=SKIP or "")


def test_browser_and_build_are_present():
    assert SKIP is None, SKIP


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    """A loopback HTTP server for ``_build/html`` on a free port, stopped after the module."""
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def make_driver(width, height=1000):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", f"--window-size={width},{height}", "--force-device-scale-factor=1",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--disable-default-apps", "--disable-sync"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    drv.set_page_load_timeout(60)
    drv.set_script_timeout(60)
    set_viewport(drv, width, height)
    return drv


def set_viewport(driver, width, height):
    """Emulate a ``width`` x ``height`` CSS-pixel viewport (a headless window is never narrower than 500 px)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


@pytest.fixture(scope="module")
def wide():
    drv = make_driver(WIDE)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def narrow():
    drv = make_driver(NARROW)
    yield drv
    drv.quit()


WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1];
const images = () => Promise.all([...document.images].map(img => {
  img.loading = 'eager';
  return img.complete ? Promise.resolve() : new Promise(r => { img.onload = img.onerror = r; });
}));
const timeout = new Promise(r => setTimeout(r, 20000));
const ready = () => Promise.race([images(), timeout]).then(() => (window.MathJax && MathJax.startup && MathJax.startup.promise)
    ? MathJax.startup.promise.then(() => done(true), () => done(false)) : done(null));
if (document.readyState === 'complete') { setTimeout(ready, 50); } else { window.addEventListener('load', () => setTimeout(ready, 50)); }
"""


def load(driver, url):
    """Open ``url``, wait until MathJax has typeset it; return (console errors, non-local requests)."""
    driver.get_log("browser")  # drop what earlier pages left
    driver.get_log("performance")
    driver.get(url)
    driver.execute_async_script(WAIT_FOR_MATHJAX)
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    remote = set()
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            target = msg["params"]["request"]["url"]
            parsed = urlparse(target)
            if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname not in LOCAL_HOSTS:
                remote.add(target)
    return errors, sorted(remote)


PAGE_FACTS = r"""
const main = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
const col = main.getBoundingClientRect();
const visibleText = (root) => {
  const clone = root.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, .highlight, .MathJax, mjx-assistive-mml, .cell_input')
       .forEach(e => e.remove());
  return clone.innerText || '';
};
const maths = [...main.querySelectorAll('.math')];
const figures = [...main.querySelectorAll('figure')].map(f => {
  const img = f.querySelector('img');
  const cap = f.querySelector('figcaption');
  return {id: f.id || (f.querySelector('[id]') || {}).id || '',
          caption: cap ? cap.innerText.trim() : '',
          number: !!(cap && cap.querySelector('.caption-number')),
          alt: img ? (img.getAttribute('alt') || '') : null,
          natural: img ? img.naturalWidth : 0,
          shown: img ? img.getBoundingClientRect().width : 0};
});
const bareImages = [...main.querySelectorAll('.cell_output img, .output img')]
  .filter(img => !img.closest('figure')).map(img => (img.getAttribute('src') || '').slice(0, 60));
const repoLinks = [...document.querySelectorAll('a[href]')].map(a => a.href)
  .filter(h => /^https?:\/\/(www\.)?(github\.com|gitlab\.com|mybinder\.org|colab\.research\.google\.com)\//.test(h));
const tables = [...main.querySelectorAll('table')].map(t => ({
  cls: t.className, width: Math.max(t.scrollWidth, t.getBoundingClientRect().width),
  head: [...t.querySelectorAll('th')].map(th => th.innerText.trim()).slice(0, 4).join(' | ')}));
const claims = [...main.querySelectorAll('table.claims-table')].map(t => {
  const wrap = t.closest('.claims-wrap') || t.parentElement;
  const legend = wrap.querySelector('.claims-legend');
  const heads = [...t.querySelectorAll('thead th')];
  const oc = heads.findIndex(th => th.innerText.trim() === 'Outcome');
  const outcomeCells = oc < 0 ? [] : [heads[oc], ...[...t.querySelectorAll('tbody tr')].map(r => r.children[oc])];
  const rects = outcomeCells.map(c => c.getBoundingClientRect());
  const rows = [...t.querySelectorAll('tbody tr')];
  return {legend: legend ? legend.innerText.trim() : '',
          outcomeColumn: oc,
          outcomeVisible: rects.length > 0 && rects.every(r => r.left >= -1 && r.right <= window.innerWidth + 1 && r.width > 10),
          kinds: rows.map(r => r.classList.contains('claim-asserted') ? 'asserted'
                             : r.classList.contains('claim-recorded') ? 'recorded' : '?'),
          kindWords: rows.map(r => /asserted|recorded/i.test(r.innerText))};
});
return {column: col.width, viewport: window.innerWidth,
        untypeset: maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80)),
        nmath: maths.length, text: visibleText(main), figures, bareImages, tables, claims, repoLinks,
        reprs: [...main.querySelectorAll('.cell_output, .output')].map(o => o.innerText)
                 .filter(t => /<(Figure size|matplotlib\.|Axes:)|^Text\(|at 0x[0-9a-f]{6,}>/.test(t))
                 .map(t => t.trim().slice(0, 60))};
"""


def facts(driver):
    return driver.execute_script(PAGE_FACTS)


def raw_markup(text):
    return sorted({m.group(0) for m in RAW_MARKUP.finditer(text)})[:10]


PAGES = built_pages() if SKIP is None else []


@pytest.mark.parametrize("page", PAGES)
def test_page_at_desktop_width(page, server, wide):
    errors, remote = load(wide, server + page)
    f = facts(wide)
    problems = []
    if errors:
        problems.append(f"console errors: {errors[:5]}")
    if remote:
        problems.append(f"requests to non-local hosts: {remote[:5]}")
    if f["untypeset"]:
        problems.append(f"{len(f['untypeset'])} of {f['nmath']} math elements not typeset, e.g. {f['untypeset'][:3]}")
    raw = raw_markup(f["text"])
    if raw:
        problems.append(f"raw TeX or MyST markup in the text: {raw}")
    for fig in f["figures"]:
        name = fig["id"] or "a figure"
        if not fig["caption"] or not fig["number"]:
            problems.append(f"{name} has no numbered caption")
        if fig["alt"] is not None and (len(fig["alt"].split()) < 3 or re.search(r"\.(png|svg|jpe?g)\b", fig["alt"])
                                                         or re.fullmatch(r"\S*[/\\]\S*", fig["alt"])):
            problems.append(f"{name} has no meaningful alt text: {fig['alt']!r}")
        if fig["natural"] and fig["shown"] < MIN_FIGURE_SCALE * fig["natural"]:
            problems.append(f"{name} is shown at {fig['shown']:.0f} px of its {fig['natural']} px "
                            f"(text shrinks below {MIN_FIGURE_SCALE:.0%}): use at most two panels a row")
    allowed = repository_url()
    dead = [h for h in f["repoLinks"] if not allowed or allowed.rstrip("/") not in h]
    if dead:
        problems.append(f"links or buttons to a repository or launcher other than _config.yml's repository.url "
                        f"({allowed!r}): {dead[:3]}")
    if f["reprs"]:
        problems.append(f"object reprs shown instead of content (a figure under a non-inline backend?): {f['reprs'][:3]}")
    if f["bareImages"]:
        problems.append(f"{len(f['bareImages'])} plot(s) shown as bare cell output without a caption "
                        "(glue the figure and show it with {glue:figure} and :name:)")
    for t in f["tables"]:
        if t["width"] > f["column"] + 1:
            problems.append(f"table ({t['head']}) is {t['width']:.0f} px wide in a {f['column']:.0f} px column")
    for i, c in enumerate(f["claims"], 1):
        if "asserted" not in c["legend"].lower() or "recorded" not in c["legend"].lower():
            problems.append(f"claims table {i} has no legend saying which rows are asserted and which recorded")
        if "?" in c["kinds"] or not all(c["kindWords"]):
            problems.append(f"claims table {i}: some rows are not marked asserted or recorded")
    assert not problems, f"{page} at {WIDE} px:\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("page", PAGES)
def test_page_at_phone_width(page, server, narrow):
    errors, remote = load(narrow, server + page)
    f = facts(narrow)
    problems = []
    if errors:
        problems.append(f"console errors: {errors[:5]}")
    if f["untypeset"]:
        problems.append(f"{len(f['untypeset'])} math elements not typeset")
    for i, c in enumerate(f["claims"], 1):
        if c["outcomeColumn"] < 0:
            problems.append(f"claims table {i} has no Outcome column")
        elif not c["outcomeVisible"]:
            problems.append(f"claims table {i}: the Outcome column is off-screen at {NARROW} px")
        if not c["legend"]:
            problems.append(f"claims table {i} has no legend")
    assert not problems, f"{page} at {NARROW} px:\n- " + "\n- ".join(problems)


def test_the_check_sees_raw_markup():
    # guard against a pattern that silently matches nothing
    assert raw_markup(r"W^{=0} and \frac{1}{2} and {glue:text}`ch1_n` and $x$") == ["$x$", "\\frac", "^{", "{glue:text}`"]
    assert raw_markup("W≤1 = 0.5, n·2^n, E[f²], costs $5 and $6") == []


def test_pages_are_found():
    assert "intro.html" in PAGES and any(p.startswith("chapters/") for p in PAGES)
    # index.html only redirects to the first page; the redirect must lead to a built page
    target = REDIRECT_RE.search((HTML / "index.html").read_text())
    assert target is None or (HTML / target.group(1)).exists(), target.group(1)


def screenshots(out, pages=None):
    """Full-page PNG screenshots of ``pages`` (default: every page) at both widths into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    saved = []
    try:
        for width in (WIDE, NARROW):
            drv = make_driver(width)
            try:
                for page in pages or built_pages():
                    load(drv, base + page)
                    height = min(drv.execute_script("return document.documentElement.scrollHeight"), 16000)
                    drv.set_window_size(max(width, 500), height)
                    set_viewport(drv, width, height)
                    load(drv, base + page)
                    name = out / f"{page.replace('/', '_').removesuffix('.html')}-{width}.png"
                    drv.save_screenshot(str(name))
                    saved.append(name)
                    drv.set_window_size(max(width, 500), 1000)
                    set_viewport(drv, width, 1000)
            finally:
                drv.quit()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return saved


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--screenshots":
        if SKIP:
            sys.exit(SKIP)
        for path in screenshots(sys.argv[2], sys.argv[3:] or None):
            print(path)
    else:
        sys.exit(__doc__)
