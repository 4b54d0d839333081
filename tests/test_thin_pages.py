"""Pages are thin, the dashboard's connections are chosen per call, and every page shows a
CopydeskError the same way.

The first tests read ``pages/*.py`` as text and as Python: a page describes the UI and reads
through ``copydesk.app``; it holds no SQL, query names, caching, connections or functions.
The others run the real app (AppTest) on real database files, one held by another process.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from copydesk import db as dbmod
from copydesk import queries
from copydesk.app import common
from review_support import build_db, post_row

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "pages").glob("*.py"))
# What a page may import from copydesk: the app layer, pure chart functions, the vocabulary, the errors.
ALLOWED_COPYDESK = {"copydesk.app", "copydesk.charts", "copydesk.domain", "copydesk.errors"}
FORBIDDEN_TEXT = ("cache_data", "cache_resource", "ensure_schema", "session(", "queries", "what=", "duckdb",
                  "connect(", ".sql", "SELECT ")
AREAS = sorted(p.name for p in queries.QUERY_DIR.iterdir() if p.is_dir())
QUERY_NAME = re.compile(r"""["'](?:%s)/\w+""" % "|".join(AREAS))


def thin_page_problems(path: Path) -> list[str]:
    """Why ``path`` is not a thin page (empty when it is)."""
    text = path.read_text(encoding="utf-8")
    problems = [f"mentions {word!r}" for word in FORBIDDEN_TEXT if word in text]
    problems += [f"names the query {name}" for name in queries.all_queries() if name in text]
    problems += [f"names a query: {m.group(0)}" for m in QUERY_NAME.finditer(text)]
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            problems.append(f"defines {node.name} (line {node.lineno}): logic belongs in copydesk.app")
        modules = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):       # from copydesk import charts -> copydesk.charts
            modules = [f"{node.module}.{a.name}" for a in node.names] if node.module == "copydesk" \
                else [node.module or ""]
        for module in modules:
            if module.split(".")[0] == "copydesk" and not any(
                    module == ok or module.startswith(ok + ".") for ok in ALLOWED_COPYDESK):
                problems.append(f"imports {module} (pages read through copydesk.app)")
    return problems


def test_every_page_file_is_in_the_navigation():
    """The rules below read every file the dashboard serves (and there is one at least)."""
    served = re.findall(r'st\.Page\("(pages/\w+\.py)"', (ROOT / "dashboard.py").read_text(encoding="utf-8"))
    assert sorted(served) == [f"pages/{p.name}" for p in PAGES] and len(PAGES) >= 4


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_pages_are_thin(page):
    assert thin_page_problems(page) == []


def test_the_rules_catch_a_fat_page(tmp_path):
    fat = tmp_path / "fat.py"
    fat.write_text('import streamlit as st\nfrom copydesk import db, ui\n\n\n@st.cache_data\n'
                   'def _rows(path):\n    with db.session(path) as con:\n'
                   '        return ui.query_df("overview/figures")\n'
                   'st.write(ui.trend(what="headline"))\n', encoding="utf-8")
    problems = thin_page_problems(fat)
    for expected in ("mentions 'cache_data'", "mentions 'session('", "mentions 'what='",
                     "names the query overview/figures", "defines _rows", "imports copydesk"):
        assert any(p.startswith(expected) for p in problems), (expected, problems)


def test_importing_the_dashboard_modules_changes_no_global():
    """A fresh interpreter: copydesk.db's module state is the same before and after the app is imported."""
    code = (
        "import copydesk.db as d\n"
        "snap = lambda: {k: repr(v) for k, v in vars(d).items() if not k.startswith('__') and not callable(v)"
        " and type(v).__name__ != 'module'}\n"
        "before = snap()\n"
        "import copydesk.app.common, copydesk.app.filters, copydesk.app.overview, copydesk.app.scores\n"
        "import copydesk.app.review, copydesk.app.duplicates\n"
        "assert snap() == before, (before, snap())\n"
        "assert not hasattr(d, 'PREFER_READ_WRITE')\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_page_reads_share_the_file_with_a_writer_of_the_same_process(db_file):
    """The importer writes through its own connection, outside the gate; a page read still gets in
    (a read-only connection would be refused: DuckDB allows one mode per file per process)."""
    build_db(db_file, [post_row("a-1")])
    writer = duckdb.connect(str(db_file))          # what import_paths holds while a browser upload imports
    try:
        with pytest.raises(duckdb.Error, match="different configuration|file handle conflict"):
            with dbmod.session(db_file, read_only=True, wait=0.3):
                pass
        with common.reading(db_file) as con:
            assert con.execute("SELECT count(*) FROM posts").fetchall() == [(1,)]
    finally:
        writer.close()


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare")
def test_the_dashboard_reads_a_database_on_a_read_only_file_system(db_file, tmp_path):
    """Its reads ask for a read-write handle; where nothing can write, they get a read-only one.
    Run in a private mount namespace with a read-only tmpfs."""
    build_db(db_file, [post_row("a-1"), post_row("a-2", needs_human_review=True)])
    mnt = tmp_path / "ro"
    mnt.mkdir()
    app = ("import sys\nfrom streamlit.testing.v1 import AppTest\n"
           f"at = AppTest.from_file({str(ROOT / 'dashboard.py')!r}, default_timeout=60).run()\n"
           "print('metrics', {m.label: m.value for m in at.metric}, 'errors', [e.value for e in at.error],"
           " 'exceptions', len(at.exception))\n")
    (tmp_path / "app.py").write_text(app, encoding="utf-8")
    flag = [] if os.geteuid() == 0 else ["-r"]
    script = (f"mount -t tmpfs -o size=16m tmpfs {mnt} && cp {db_file} {mnt}/c.duckdb && "
              f"mount -o remount,ro {mnt} && COPYDESK_DB={mnt}/c.duckdb {sys.executable} {tmp_path / 'app.py'}")
    proc = subprocess.run(["unshare", *flag, "-m", "sh", "-c", script], capture_output=True, text=True,
                          timeout=180, cwd=ROOT)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("metrics")), "")
    assert "'Posts': '2'" in line and "'Flagged for review': '1'" in line, (proc.stdout, proc.stderr[-3000:])
    assert line.endswith("errors [] exceptions 0"), line


# --- one error path -------------------------------------------------------------------------------

def plain(markdown: str) -> str:
    """The text an escaped message shows."""
    return re.sub(r"\\(.)", r"\1", markdown)


def dashboard_on(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    if page != "pages/overview.py":
        at.switch_page(page).run()
    return at


@pytest.fixture
def locked_db(db_file, monkeypatch):
    """A database whose write lock another process holds (a long CLI import) for the test's duration."""
    build_db(db_file, [post_row("a-1"), post_row("a-2")])
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time\ncon = duckdb.connect(sys.argv[1])\n"
                               "print('locked', flush=True)\ntime.sleep(120)\n", str(db_file)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(dbmod, "LOCK_WAIT_SECONDS", 0.3)
        yield db_file
    finally:
        holder.kill()
        holder.wait(timeout=10)


@pytest.mark.parametrize("page", [f"pages/{p.name}" for p in PAGES])
def test_a_busy_database_is_one_error_message_on_every_page(locked_db, page):
    at = dashboard_on(page)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and "is busy (another process is writing)" in plain(at.error[0].value)


@pytest.mark.parametrize("page", ["pages/scores.py", "pages/review_queue.py"])
def test_an_invalid_policy_is_one_error_message(db_file, tmp_path, monkeypatch, page):
    build_db(db_file, [post_row("a-1")])
    bad = tmp_path / "policy.toml"
    bad.write_text("[freshness]\nstale_after_days = 'soon'\n", encoding="utf-8")
    monkeypatch.setenv("COPYDESK_POLICY", str(bad))
    at = dashboard_on(page)
    assert not at.exception, [e.value for e in at.exception]
    assert [plain(e.value) for e in at.error] == [
        "The policy file is invalid: freshness.stale_after_days must be a number, not 'soon'"]


def test_error_messages_are_plain_text():
    from copydesk.errors import DecisionError
    text = common.error_text(DecisionError("unknown post(s): [x](http://evil.example) **y**"))
    assert text == "The decision was not recorded: unknown post(s): [x](http://evil.example) **y**"
    assert "](" not in common.md_escape(text) and "**" not in common.md_escape(text)
