"""One-line errors, exit 2, never a traceback: the database path and output paths a user can get wrong.
Real `copydesk` processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from review_support import build_db, post_row

COPYDESK = [sys.executable, "-m", "copydesk"]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*COPYDESK, *args], capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=120)


def one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", [["queue"], ["import", "{pages}"], ["export", "posts", "--csv", "{out}"],
                                     ["duplicates"], ["decide", "p1", "--decision", "approve", "--reviewer", "d"]])
def test_copydesk_db_naming_a_text_file_or_a_folder(tmp_path, command):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_text("Title\n\nbody\n")
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    folder = tmp_path / "folder.duckdb"
    folder.mkdir()
    args = [a.format(pages=pages, out=tmp_path / "o.csv") for a in command]
    one_line_error(run(*args, env={"COPYDESK_DB": str(text)}), "is not a DuckDB database")
    one_line_error(run(*args, "--db", str(folder)), "is a folder")
    assert text.read_text() == "not a database\n"          # nothing harmed


def test_a_database_in_a_missing_folder(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_text("Title\n\nbody\n")
    one_line_error(run("import", str(pages), "--db", str(tmp_path / "nope" / "x.duckdb")), "does not exist")


def test_csv_into_a_missing_folder(db_file, tmp_path):
    build_db(db_file, [post_row("p1", needs_human_review=True)])
    one_line_error(run("export", "posts", "--db", str(db_file), "--csv", str(tmp_path / "no" / "x.csv")),
                   "does not exist")
    one_line_error(run("duplicates", "--db", str(db_file), "--csv", str(tmp_path / "no" / "x.csv")),
                   "does not exist")


def test_non_finite_policy_numbers_are_refused(tmp_path, db_file):
    build_db(db_file, [post_row("p1", needs_human_review=True)])
    for value in ("nan", "inf", "-inf"):
        policy = tmp_path / f"{value}.toml"
        policy.write_text(f"[freshness]\nhalf_life_days = {value}\n")
        one_line_error(run("queue", "--db", str(db_file), "--policy", str(policy)), "finite")
        one_line_error(run("policy", "--policy", str(policy)), "finite")


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare")
def test_a_database_on_a_read_only_file_system(db_file, tmp_path):
    """Reads work, writes say why they cannot; run in a private mount namespace with a read-only tmpfs."""
    build_db(db_file, [post_row("p1", needs_human_review=True)])
    mnt = tmp_path / "ro"
    mnt.mkdir()
    flag = [] if os.geteuid() == 0 else ["-r"]
    script = (f"mount -t tmpfs -o size=16m tmpfs {mnt} && cp {db_file} {mnt}/c.duckdb && "
              f"mount -o remount,ro {mnt} && "
              f"{' '.join(COPYDESK)} queue --db {mnt}/c.duckdb --json; echo rc=$?; "
              f"{' '.join(COPYDESK)} decide p1 --decision approve --reviewer d --db {mnt}/c.duckdb; echo rc=$?")
    proc = subprocess.run(["unshare", *flag, "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    assert '"post_id": "p1"' in proc.stdout and "rc=0" in proc.stdout, (proc.stdout, proc.stderr)
    assert "rc=2" in proc.stdout, (proc.stdout, proc.stderr)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert errors and "read-only file system" in errors[0] and "Traceback" not in proc.stderr, proc.stderr


def test_untrusted_names_reach_the_terminal_escaped(tmp_path, db_file):
    """A file name or post id with terminal escape sequences is printed with them escaped."""
    pages = tmp_path / "pages"
    pages.mkdir()
    evil = "\x1b]0;pwned\x07\x1b[2J.bin"
    (pages / evil).write_bytes(b"\x00\x01binary")
    proc = run("import", str(pages), "--db", str(db_file))
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    assert "\\x1b]0;pwned\\x07" in proc.stdout
    build_db(tmp_path / "q.duckdb", [post_row("id\x1b[31mred", needs_human_review=True)])
    out = run("queue", "--db", str(tmp_path / "q.duckdb"))
    assert out.returncode == 0 and "\x1b" not in out.stdout and "id\\x1b[31mred" in out.stdout, out.stdout


@pytest.mark.parametrize(("name", "value", "says"), [
    ("COPYDESK_IMPORT_THREADS", "abc", "is not a whole number of at least 1"),
    ("COPYDESK_IMPORT_THREADS", "0", "is not a whole number of at least 1"),
    ("COPYDESK_IMPORT_DEFER", "-1", "is not a number of at least 0"),
    ("COPYDESK_IMPORT_DEFER", "nan", "is not a number"),
    ("COPYDESK_IMPORT_TX_BYTES", "1e9", "is not a whole number"),
    ("COPYDESK_IMPORT_MEMORY", "lots", "is not a size DuckDB accepts"),
    ("COPYDESK_IMPORT_CHECKPOINT", "big", "is not a size DuckDB accepts"),
    ("COPYDESK_LOCK_WAIT", "soon", "is not a number of at least 0"),
])
def test_a_tuning_setting_that_does_not_parse_is_a_one_line_error_and_nothing_is_written(tmp_path, name, value, says):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_text("Title\n\nbody\n")
    db = tmp_path / "c.duckdb"
    one_line_error(run("import", str(pages), "--db", str(db), env={name: value}), f"{name}={value!r}", says)
    assert not db.exists()
    run("import", str(pages), "--db", str(db))          # the same import without the setting works
    assert db.exists()
    if name == "COPYDESK_LOCK_WAIT":                     # every command opens the database through it
        one_line_error(run("queue", "--db", str(db), env={name: value}), name)


def test_blank_settings_keep_their_defaults(monkeypatch):
    from copydesk import settings
    monkeypatch.setenv("COPYDESK_TEST_SETTING", "  ")
    assert settings.number("COPYDESK_TEST_SETTING", 7, int, lo=1) == 7
    settings.check("COPYDESK_TEST_SETTING")
    monkeypatch.setenv("COPYDESK_TEST_SETTING", " 12 ")
    assert settings.number("COPYDESK_TEST_SETTING", 7, int, lo=1, hi=20) == 12
    monkeypatch.setenv("COPYDESK_TEST_SETTING", "21")
    assert settings.number("COPYDESK_TEST_SETTING", 7, int, lo=1, hi=20) == 7
    with pytest.raises(settings.SettingError, match="from 1 to 20"):
        settings.check("COPYDESK_TEST_SETTING")
