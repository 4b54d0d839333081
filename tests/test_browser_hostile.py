"""Issue 12, item 4: values from posts shown as text on every page, in a real browser.

Hostile pages are imported through the real importer (a site name that is a markdown link, post
ids that are a markdown image and a link, bare URLs, raw ``<img>`` tags, titles starting with
``=``); then headless Chromium walks Overview, Review queue (with a post open and the hostile
site in the URL filter), Scores & trends and Duplicates (the pair's "Keep …" buttons), while
every request that leaves 127.0.0.1 is recorded and refused.  No ``<a>`` or ``<img>`` may point
at a URL that came from the data.  Also: ``/review_queue?as_of=9999-12-31`` renders.
"""

from __future__ import annotations

import urllib.parse

import pytest

import browser_support
from browser_support import select_option, wait_for_app
from copydesk import db as dbmod
from copydesk import duplicates as dup
from copydesk.importer import import_paths

running_app = browser_support.running_app          # fixtures
browser_page = browser_support.browser_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EVIL = "evil.example"
SITE = "[Session expired - log in](http://evil.example/login)"
IMAGE_ID = "![b](http://evil.example/b.png)"
LINK_ID = "[a](http://evil.example/a)"


def hostile_page(example: bytes, post_id: str, title: str, extra: str = "") -> bytes:
    text = example.decode()
    text = text.replace("alphanode-006908", post_id)
    text = text.replace("alphanode post meta", f"{SITE} post meta")
    text = text.replace("next.js notes: handling background jobs on a single vps", title)
    text = text.replace("final notes\n", "final notes\n\nsee http://evil.example/bare and "
                        "<img src=\"http://evil.example/i.png\"> and ![x](http://evil.example/x.png)"
                        f" {extra}\n", 1)
    text = text.replace("  • python\n", "  • http://evil.example/stack\n", 1)
    return text.encode()


@pytest.fixture
def hostile_db(tmp_path, db_file, example_page_bytes):
    pages = tmp_path / "hostile"
    pages.mkdir()
    (pages / "1.txt").write_bytes(hostile_page(example_page_bytes, IMAGE_ID, "=HYPERLINK(\"http://evil.example/h\")"))
    (pages / "2.txt").write_bytes(hostile_page(example_page_bytes, LINK_ID, "=cmd|' /C calc'!A0 <img src=x>",
                                               "really"))
    (pages / "3.txt").write_bytes(hostile_page(example_page_bytes, "www.evil.example", "**bold** http://evil.example/t",
                                               "a different ending entirely " * 40))
    summary = import_paths([pages], db_file, workers=1)
    assert summary.imported == 3
    with dbmod.session(db_file) as con:
        dup.refresh(con)
    return db_file


def guard(page) -> list[str]:
    """Record and refuse every request that is not to the app itself."""
    left: list[str] = []

    def route(r):
        host = urllib.parse.urlsplit(r.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            left.append(r.request.url)
            r.abort()
    page.route("**/*", route)
    return left


def main_text(page) -> str:
    """The page's text as read (the invisible word joiners that break autolinks removed)."""
    return page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")


def assert_inert(page, where: str) -> None:
    """No link or image made from the data: every ``href``/``src`` resolves to the app itself
    (the dashboard's own page links, ``duplicates?post=…``, are fine: same origin, the id
    URL-encoded), and no page shows an exception."""
    bad = page.evaluate(
        """() => [...document.querySelectorAll('a[href], img[src], [srcset]')]
               .map(e => [e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('srcset'),
                          (e.closest('[data-testid^="st"]') || e).getAttribute('data-testid')])
               .filter(([u, _w]) => { const r = new URL(u, document.baseURI);
                                      return r.origin !== location.origin && r.protocol !== 'data:'
                                             || r.protocol === 'javascript:'; })""")
    assert not bad, (where, bad)
    exc = page.locator('[data-testid="stException"]')
    assert exc.count() == 0, (where, exc.first.inner_text() if exc.count() else "")


def test_hostile_values_render_as_text_on_every_page(hostile_db, running_app, browser_page):
    app = running_app(hostile_db)
    page = browser_page()
    left = guard(page)

    page.goto(app.url)
    wait_for_app(page)
    page.get_by_role("heading", name="Overview").wait_for()
    assert_inert(page, "overview")

    site_q = urllib.parse.quote(SITE)
    for path in ("/review_queue", f"/review_queue?site={site_q}", "/review_queue?as_of=9999-12-31",
                 "/scores", f"/scores?site={site_q}&stack={urllib.parse.quote('http://evil.example/stack')}"):
        page.goto(app.url + path)
        wait_for_app(page)
        assert_inert(page, path)
        if "site=" in path:
            assert SITE in main_text(page), path

    # a hostile post opened in the review queue
    page.goto(app.url + "/review_queue")
    wait_for_app(page)
    page.get_by_text("Today's list", exact=False).first.wait_for()      # the page is drawn to its end
    select_option(page, "Open post", IMAGE_ID)      # typed into the box: the list is filtered to it
    main = main_text(page)
    assert '=HYPERLINK("http://evil.example/h")' in main and "http://evil.example/bare" in main
    assert_inert(page, "review post")
    for tab in ("Metadata & scores", "Duplicates", "History"):
        page.get_by_role("tab", name=tab).click()
        wait_for_app(page)
        assert_inert(page, f"review post {tab}")

    # duplicates: the pair's buttons carry the hostile ids
    page.goto(app.url + "/duplicates")
    wait_for_app(page)
    keep = page.get_by_role("button", name=f"Keep {IMAGE_ID}")
    if keep.count() == 0:
        keep = page.locator("button").filter(has_text="Keep").first
    keep.wait_for()
    assert IMAGE_ID in main_text(page)
    assert_inert(page, "duplicates")
    name = page.get_by_label("Your name")
    name.fill("Robin")
    name.press("Enter")
    wait_for_app(page)
    page.locator("button").filter(has_text="Keep").first.click()
    wait_for_app(page)
    assert_inert(page, "duplicates after a verdict")
    page.get_by_role("tab", name="Verdicts & runs").click()
    wait_for_app(page)
    assert_inert(page, "duplicates verdicts")

    assert not left, left
