"""Shared fixtures: real DuckDB files built from real files on disk."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLE_PAGE = SHARED / "formats" / "example-page.txt"
BUNDLED_EXAMPLE = ROOT / "data" / "example-page.txt"
FORMAT_SPEC = SHARED / "formats" / "page-dump.md"
BUNDLED_SPEC = ROOT / "data" / "page-dump.md"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _one_browser_test_at_a_time(request, tmp_path_factory):
    """The suite runs in two processes (``-n 2`` in pyproject.toml); a browser test holds a file
    lock shared by both, so two Streamlit servers and two Chromiums never run at once on a 2-core
    machine (they made each other's pages miss their timeouts).  The lock file sits beside the
    workers' temporary folders (pytest-xdist's grouping marks do not work with pytest 9)."""
    if request.node.get_closest_marker("browser") is None:
        yield
        return
    import fcntl
    lock = tmp_path_factory.getbasetemp().parent / "copydesk-browser-tests.lock"
    with open(lock, "a") as fh:       # closing the file releases the lock
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


@pytest.fixture(autouse=True)
def _keep_main_module():
    """Put back the ``__main__`` module after each test.  Streamlit's script runner (AppTest)
    installs the page it ran as ``__main__`` and leaves it there; a process started later with
    multiprocessing's *spawn* method (Dask's nannies, in tests/test_cluster.py) would then run
    that page on start-up and die ("Nanny failed to start worker process")."""
    main = sys.modules.get("__main__")
    yield
    if main is not None and sys.modules.get("__main__") is not main:
        sys.modules["__main__"] = main


@pytest.fixture
def example_page_bytes() -> bytes:
    path = EXAMPLE_PAGE if EXAMPLE_PAGE.exists() else BUNDLED_EXAMPLE
    return path.read_bytes()


@pytest.fixture
def page_dump_spec() -> str:
    """The text of the page-dump format description (``../shared``, else the bundled copy)."""
    path = FORMAT_SPEC if FORMAT_SPEC.exists() else BUNDLED_SPEC
    return path.read_text(encoding="utf-8")


@pytest.fixture
def db_file(tmp_path, monkeypatch) -> Path:
    """A fresh database path; COPYDESK_DB points at it for code that reads the env."""
    path = tmp_path / "test.duckdb"
    monkeypatch.setenv("COPYDESK_DB", str(path))
    return path
