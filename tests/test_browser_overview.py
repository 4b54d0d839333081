"""The overview page in a real browser: figures, rejected files, and importing an uploaded .zip."""

from __future__ import annotations

import re
import zipfile

import duckdb
import pytest

from browser_support import browser_page, running_app, wait_for_app  # noqa: F401 (fixtures)
from copydesk.importer import import_paths

pytestmark = [pytest.mark.browser]


def test_upload_a_zip_and_see_it_imported(tmp_path, db_file, running_app, browser_page, example_page_bytes):  # noqa: F811
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "001.txt").write_bytes(example_page_bytes)
    import_paths([pages], db_file, workers=1)

    upload = tmp_path / "upload.zip"
    text = example_page_bytes.decode()
    with zipfile.ZipFile(upload, "w") as zf:
        for n in (101, 102):
            zf.writestr(f"dump/{n}.txt", text.replace("alphanode-006908", f"alphanode-000{n}"))
        zf.writestr("dump/broken.txt", b"\x00\x01\x02\x03")

    app = running_app(db_file)
    page = browser_page()
    page.goto(app.url)
    wait_for_app(page)
    assert page.get_by_test_id("stMetricValue").first.inner_text() == "1"

    page.locator('input[type="file"]').set_input_files(str(upload))
    page.get_by_role("button", name="Import uploaded files").click()
    success = page.get_by_test_id("stAlertContentSuccess")
    success.wait_for(timeout=30_000)
    assert "2 imported" in success.inner_text() and "1 rejected" in success.inner_text()
    assert "2 posts new, 0 replaced by a newer revision" in success.inner_text()
    assert page.get_by_text("binary file").first.is_visible()
    # the same render shows the new figures (no reload) and the upload box is empty again
    wait_for_app(page)
    assert page.get_by_test_id("stMetricValue").first.inner_text() == "3"
    assert page.get_by_test_id("stFileUploaderFile").count() == 0

    con = duckdb.connect(str(db_file), read_only=False)
    try:
        assert con.execute("SELECT count(*) FROM posts").fetchall()[0][0] == 3
        rejected = con.execute("SELECT source_file, message FROM import_files WHERE outcome = 'rejected'").fetchall()
    finally:
        con.close()
    # an upload is named by its content hash (two uploads of one name never replace each other)
    [(source, message)] = rejected
    assert re.fullmatch(r"upload:[0-9a-f]{16}/upload\.zip::dump/broken\.txt", source), source
    assert message == "binary file (control bytes only)"
    # and after a reload too
    page.reload()
    wait_for_app(page)
    assert page.get_by_test_id("stMetricValue").first.inner_text() == "3"


def test_a_bookmarked_page_is_the_first_request_after_a_start(tmp_path, db_file, running_app, browser_page, example_page_bytes):  # noqa: F811
    """A fresh server whose first request is a deep link still runs dashboard.py (navigation, sidebar, filters)."""
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "001.txt").write_bytes(example_page_bytes)
    import_paths([pages], db_file, workers=1)
    app = running_app(db_file)
    page = browser_page()
    page.goto(app.url + "/scores?site=alphanode")
    wait_for_app(page)
    sidebar = page.get_by_test_id("stSidebar")
    assert "Database:" in sidebar.inner_text()
    assert page.get_by_test_id("stSidebarNavItems").get_by_text("Review queue").is_visible()
    assert "alphanode" in sidebar.get_by_test_id("stMultiSelect").first.inner_text()
