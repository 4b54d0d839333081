"""`copydesk quality` and the `quality` / `template-sentences` exports, through real processes on a
real database: the summary, the full recompute equal to what the imports left, the formula rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pyarrow.parquet as pq

from copydesk.importer import import_paths
from csv_support import HOSTILE, assert_formula_safe
from quality_support import page, write

COPYDESK = [sys.executable, "-m", "copydesk"]
SHARED = "=cmd() is what seven posts say in the same words."
THIN = "Tiny post"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*COPYDESK, *args], capture_output=True, text=True, timeout=300, env={**os.environ})


def _corpus(folder):
    long_para = " ".join(f"Original sentence {i} of the long post says something new." for i in range(40))
    write(folder, "long.txt", page("orig-1", f"Overview\n\n{long_para}\n\nMore\n\n{long_para.replace('new', 'else')}",
                                   reading_time=2, paragraphs=2, quality=40))
    for i in range(7):        # SHARED is in 7 posts: template text
        write(folder, f"t{i}.txt", page(f"tmpl-{i}", f"Heading {i}\n\n{SHARED} Unique line {i} is here.",
                                        title=HOSTILE[i % len(HOSTILE)], quality=93))
    write(folder, "thin.txt", page("thin-1", THIN, quality=90, reading_time=14))


def _state(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return (con.execute("SELECT * EXCLUDE (finding_codes) FROM post_quality ORDER BY post_id").fetchall(),
                con.execute("SELECT * FROM template_sentences ORDER BY sentence").fetchall())
    finally:
        con.close()


def test_quality_command_recomputes_and_summarises(tmp_path):
    _corpus(tmp_path / "p")
    db = tmp_path / "q.duckdb"
    import_paths([tmp_path / "p"], db, workers=1)
    after_import = _state(db)
    proc = run("quality", "--db", str(db), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert _state(db) == after_import                     # the full recompute agrees with the import's update
    assert (out["posts"], out["scored"], out["template_sentences"], out["analysed"]) == (9, 9, 1, 0)
    assert out["template_heavy"] == 0                     # 1 of 2 sentences each: 0.5 < 0.6
    assert out["findings"]["template_text"] == 7 and out["findings"]["thin"] == 8
    # recorded 93 vs computed: the template posts disagree by 30 or more
    con = duckdb.connect(str(db), read_only=True)
    gaps = con.execute("SELECT count(*) FROM post_quality WHERE abs(recorded_quality - computed_quality) >= 30")
    assert out["disagreements"] == gaps.fetchone()[0] > 0
    con.close()
    text = run("quality", "--db", str(db))
    assert text.returncode == 0 and "9 of 9 posts scored" in text.stdout and "template_text: 7 posts" in text.stdout


def test_quality_command_errors_are_one_line(tmp_path):
    proc = run("quality", "--db", str(tmp_path / "missing.duckdb"))
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    _corpus(tmp_path / "p")
    db = tmp_path / "q.duckdb"
    import_paths([tmp_path / "p"], db, workers=1)
    before = _state(db)
    bad = subprocess.run([*COPYDESK, "quality", "--db", str(db)], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "COPYDESK_QUALITY_MEMORY": "lots"})
    assert bad.returncode == 2 and bad.stderr.startswith("error: COPYDESK_QUALITY_MEMORY") and "'lots'" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and _state(db) == before
    ok = subprocess.run([*COPYDESK, "quality", "--db", str(db), "--json"], capture_output=True, text=True,
                        timeout=300, env={**os.environ, "COPYDESK_QUALITY_MEMORY": "300MB"})
    assert ok.returncode == 0 and json.loads(ok.stdout)["scored"] == 9 and _state(db) == before


def test_the_recomputation_caps_duckdbs_memory(tmp_path):
    from copydesk import db as dbmod
    from copydesk.quality import corpus
    con = dbmod.open_db(tmp_path / "m.duckdb")
    try:
        corpus.limit_memory(con, "300MB")
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] in ("286.1 MiB", "300.0 MB")
        corpus.limit_memory(con)
        assert corpus.MEMORY_LIMIT == os.environ.get("COPYDESK_QUALITY_MEMORY", "1GB")
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] in ("953.6 MiB", "1.0 GB")
    finally:
        con.close()


def test_quality_exports_follow_the_formula_rule(tmp_path):
    _corpus(tmp_path / "p")
    db = tmp_path / "q.duckdb"
    import_paths([tmp_path / "p"], db, workers=1)
    out = tmp_path / "quality.csv"
    proc = run("export", "quality", "--db", str(db), "--csv", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = assert_formula_safe(out.read_bytes(), must_contain=HOSTILE[:4])
    assert len(rows) == 9
    by_id = {r["post_id"]: r for r in rows}
    assert by_id["thin-1"]["word_count"] == "2" and by_id["thin-1"]["findings"].startswith("reading time says 14 min")
    assert int(by_id["tmpl-0"]["quality_gap"]) == 93 - int(by_id["tmpl-0"]["computed_quality"])
    sentences = tmp_path / "t.csv"
    assert run("export", "template-sentences", "--db", str(db), "--csv", str(sentences)).returncode == 0
    rows = assert_formula_safe(sentences.read_bytes(), must_contain=[SHARED.lower()])
    assert [(r["sentence"], r["posts"]) for r in rows] == [("'" + SHARED.lower(), "7")]
    parquet = tmp_path / "t.parquet"
    assert run("export", "template-sentences", "--db", str(db), "--parquet", str(parquet)).returncode == 0
    assert pq.read_table(parquet).column("sentence").to_pylist() == [SHARED.lower()]    # raw text in Parquet
    filtered = tmp_path / "f.csv"
    assert run("export", "quality", "--db", str(db), "--csv", str(filtered), "--site", "nowhere").returncode == 0
    assert filtered.read_text().count("\n") == 1          # the header only
