"""Quality at scale: `copydesk quality` (the full recompute), the incremental stage after an import of
new posts, and the Quality page, on a database of about 1M posts grown from a real import.

    flock /tmp/copydesk-heavy.lock .venv/bin/python bench/quality_scale.py --base BASE.duckdb
        [--copies 10] [--extra PAGES_DIR] [--out /tmp/quality-scale.duckdb] [--runs 3]
        [--keep [--only-page]] [--filter site=NAME ...]

``BASE`` is a database made by a real import of a synthetic corpus with its quality computed (e.g.
the one ``bench/quality_bench.py`` leaves in its work dir).  Its current posts are copied
``--copies - 1`` more times in SQL (post ids, source files and revision ids suffixed, the per-post
signals copied with them), so that the copies look like new posts: each sentence held by fewer
than ``template_min_posts`` + 1 posts of the base gets a hash of its own in every copy (XOR with a
per-copy constant: unique text stays unique), template sentences keep theirs (boilerplate is shared
by the whole corpus, as in the base).  Per-post signal cost does not depend on the corpus size
(bench/quality_bench.py measures it); this measures what does.

Then, each in a fresh process (wall seconds, peak RSS of the process): the full recompute
(``copydesk.quality.recompute``, what ``copydesk quality`` runs); an import of ``--extra`` (new
posts, signals in the parser processes) followed by the quality stage (``copydesk.quality.update``,
timed on its own); the Quality page rendered by AppTest (cold: caches cleared, median of ``--runs``;
wall and CPU seconds of the process, DuckDB's threads included), without a sidebar filter and with
each ``--filter`` (a URL parameter, as a shared link sets it); beside it the floor, the same harness
rendering a page that reads nothing (AppTest's own cost).  ``--keep --only-page`` measures the
page alone on the database a previous run left.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GROW = """
CREATE OR REPLACE TEMP TABLE scale_template AS
SELECT sentence_hash FROM template_sentence_counts WHERE posts > {min_posts};
CREATE OR REPLACE TEMP TABLE scale_base AS SELECT * FROM post_revisions WHERE is_current;
CREATE OR REPLACE TEMP TABLE scale_hashes AS
SELECT s.revision_id, u.pos, u.h, t.sentence_hash IS NOT NULL AS shared
FROM quality_signals AS s
JOIN scale_base AS b ON b.revision_id = s.revision_id,
LATERAL (SELECT unnest(s.sentence_hashes) AS h, generate_subscripts(s.sentence_hashes, 1) AS pos) AS u
LEFT JOIN scale_template AS t ON t.sentence_hash = u.h;
"""
COPY_REVISIONS = """
INSERT INTO post_revisions
SELECT * REPLACE (revision_id + $offset AS revision_id, post_id || '~' || $k AS post_id,
                  source_file || '~' || $k AS source_file)
FROM scale_base
"""
COPY_SIGNALS = """
INSERT INTO quality_signals
SELECT s.* REPLACE (s.revision_id + $offset AS revision_id, coalesce(h.hashes, []::UBIGINT[]) AS sentence_hashes)
FROM quality_signals AS s
JOIN scale_base AS b ON b.revision_id = s.revision_id
LEFT JOIN (SELECT revision_id,
                  list(CASE WHEN shared THEN h ELSE xor(h, $salt::UBIGINT) END ORDER BY pos) AS hashes
           FROM scale_hashes GROUP BY revision_id) AS h ON h.revision_id = s.revision_id
"""


def grow(base: Path, out: Path, copies: int) -> dict:
    import duckdb
    for p in (out, out.with_name(out.name + ".wal")):
        if p.exists():
            p.unlink()
    shutil.copy(base, out)
    t0 = time.perf_counter()
    con = duckdb.connect(str(out))
    min_posts = json.loads(con.execute("SELECT settings FROM quality_state").fetchone()[0])["template_min_posts"]
    con.execute(GROW.format(min_posts=int(min_posts)))
    offset = con.execute("SELECT max(revision_id) + 1 FROM post_revisions").fetchone()[0]
    for k in range(1, copies):
        con.execute(COPY_REVISIONS, {"offset": offset * k, "k": k})
        con.execute(COPY_SIGNALS, {"offset": offset * k, "salt": 0x9E3779B97F4A7C15 * k % (1 << 64)})
    posts = con.execute("SELECT count(*) FROM posts").fetchone()[0]
    con.execute("CHECKPOINT")
    con.close()
    return {"posts": posts, "grow_s": round(time.perf_counter() - t0, 1)}


def child(code: str) -> dict:
    # peak RSS from /proc/self/status VmHWM: ru_maxrss of an exec'ed child starts from its parent's peak
    code = "import json, sys, time\nsys.path.insert(0, %r)\n" % str(ROOT) + code + (
        "\nout['peak_rss_mb'] = round(int(next(l.split()[1] for l in open('/proc/self/status')"
        " if l.startswith('VmHWM:'))) / 1024)\n"
        "print(json.dumps(out, default=str))\n")
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["process_wall_s"] = round(time.perf_counter() - t0, 1)
    return out


RECOMPUTE = """
from copydesk import db as dbmod
from copydesk.quality import corpus
con = dbmod.open_db(%r)
t = time.perf_counter()
done = corpus.recompute(con)
out = {'recompute_s': round(time.perf_counter() - t, 2), 'scored': done['scored']}
con.close()
"""
IMPORT = """
from copydesk import db as dbmod
from copydesk.importer import import_paths
from copydesk.quality import corpus
t = time.perf_counter()
s = import_paths([%r], %r, after_import=False, chunk_stages=True)
out = {'import_s': round(time.perf_counter() - t, 2), 'posts_total': s.posts_total}
con = dbmod.open_db(%r)
t = time.perf_counter()
done = corpus.update(con, batch_id=s.batch_id)
out.update(stage_s=round(time.perf_counter() - t, 2), **done)
con.close()
"""
PAGE = """
import os, statistics
os.environ['COPYDESK_DB'] = %r
import streamlit as st
from streamlit.testing.v1 import AppTest
filters = %r
times, cpu = [], []
for i in range(%d + 1):
    st.cache_data.clear(); st.cache_resource.clear()
    at = AppTest.from_file(%r, default_timeout=300)
    for key, value in filters.items():
        at.query_params[key] = value
    t0, c0 = time.perf_counter(), time.process_time()
    at.run()
    if i:
        times.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
    assert not at.exception, [e.value for e in at.exception]
floor, floor_cpu = [], []      # the floor: the same harness rendering a page that reads nothing
for i in range(%d):
    st.cache_data.clear(); st.cache_resource.clear()
    at = AppTest.from_string("import streamlit as st; st.title('Quality'); st.metric('Posts', 0)", default_timeout=60)
    t0, c0 = time.perf_counter(), time.process_time()
    at.run()
    floor.append(time.perf_counter() - t0); floor_cpu.append(time.process_time() - c0)
out = {'filters': filters, 'page_median_s': round(statistics.median(times), 2), 'page_min_s': round(min(times), 2),
       'page_cpu_median_s': round(statistics.median(cpu), 2), 'walls_s': [round(t, 2) for t in times],
       'floor_median_s': round(statistics.median(floor), 2), 'floor_cpu_median_s': round(statistics.median(floor_cpu), 2),
       'load': os.getloadavg()}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--extra", type=Path, default=None, help="a folder of new page dumps to import")
    ap.add_argument("--out", type=Path, default=Path("/tmp/quality-scale.duckdb"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="reuse --out as it is")
    ap.add_argument("--only-recompute", action="store_true", help="time the full recompute only")
    ap.add_argument("--only-page", action="store_true", help="time the Quality page only (with --keep)")
    ap.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                    help="also render the page with this sidebar filter (a URL parameter), e.g. site=bytegarden")
    args = ap.parse_args()
    results = {"machine_cpus": os.cpu_count(), "load_before": os.getloadavg()}
    if not (args.keep and args.out.exists()):
        results.update(grow(args.base, args.out, args.copies))
        print(json.dumps(results), flush=True)
    if not args.only_page:
        results["recompute"] = child(RECOMPUTE % str(args.out))
        print(json.dumps(results["recompute"]), flush=True)
    if args.only_recompute:
        return
    for key, filters in [("page", {}), *((f"page_{f}", dict([f.split("=", 1)])) for f in args.filter)]:
        results[key] = child(PAGE % (str(args.out), filters, args.runs, str(ROOT / "pages" / "quality.py"), args.runs))
        print(json.dumps(results[key]), flush=True)
    if args.extra and not args.only_page:
        results["import_extra"] = child(IMPORT % (str(args.extra), str(args.out), str(args.out)))
        print(json.dumps(results["import_extra"]), flush=True)
    results["load_after"] = os.getloadavg()
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "quality_scale.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
