"""Quality-signal benchmark: per-post cost against the parser, and the after-import stage at scale.

    flock /tmp/copydesk-heavy.lock .venv/bin/python bench/quality_bench.py [--posts 100000] [--extra 10000]
        [--workdir /tmp/quality-bench]

1. Per-post cost, in one process, on the first 5,000 files of the corpus: ``parse_page`` (the
   peer: what a parser worker does per file today) and ``copydesk.quality.text.analyse`` of the
   parsed body, CPU time per post (best of 5).
2. In fresh processes on an empty database: ``copydesk import`` of ``--posts`` posts without the
   after-import stages, then the quality stage alone (``copydesk.quality.update``: signals of
   every new revision, sentence counts, scores), then the same import with every stage.
3. ``--extra`` more posts (another seed) imported into that database, and the incremental stage.

Corpora are generated once (``copydesk synth``) and cached in the work dir.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def corpus(workdir: Path, posts: int, seed: int) -> Path:
    from copydesk.synth import generate
    out = workdir / f"synth-{posts}-{seed}"
    if not (out / "manifest.jsonl").exists():
        generate(out, posts, seed=seed)
    return out / "pages"


def per_post_cost(pages: Path, n: int = 5000) -> dict:
    from copydesk.parse import Rejected, parse_page
    from copydesk.quality import text
    paths = []
    for root, _dirs, files in os.walk(pages):
        paths += [os.path.join(root, f) for f in sorted(files)]
        if len(paths) >= n:
            break
    data = [Path(p).read_bytes() for p in paths[:n]]

    def parse_all():
        rows = []
        for d in data:
            try:
                rows.append(parse_page(d))
            except Rejected:
                pass
        return rows
    rows = parse_all()
    bodies = [(r["body"], r["checklist"]) for r in rows]
    text.warm_up()

    def best(fn, repeat=5) -> float:
        times = []
        for _ in range(repeat):
            t0 = time.process_time()
            fn()
            times.append(time.process_time() - t0)
        return min(times)
    parse_s = best(parse_all)
    analyse_s = best(lambda: [text.analyse(b, c) for b, c in bodies])
    return {"files": len(data), "posts": len(rows), "parse_us": round(parse_s / len(data) * 1e6, 1),
            "analyse_us": round(analyse_s / len(rows) * 1e6, 1),
            "analyse_vs_parse": round(analyse_s / len(rows) / (parse_s / len(data)), 2),
            "mean_body_chars": round(sum(len(b or "") for b, _c in bodies) / len(bodies))}


def run(code: str) -> dict:
    """Run ``code`` (which prints one JSON line last) in a fresh process; adds wall seconds and peak RSS."""
    code = "import json, resource, sys, time\n" + code + (
        "\nout['rss_mb'] = round(max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)\n"
        "print(json.dumps(out, default=str))\n")
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["wall_s"] = round(time.perf_counter() - t0, 2)
    return out


def fresh(db: Path) -> Path:
    for p in (db, db.with_name(db.name + ".wal")):
        if p.exists():
            p.unlink()
    return db


IMPORT = ("from copydesk.importer import import_paths\n"
          "t = time.perf_counter()\n"
          "s = import_paths([{pages!r}], {db!r}, after_import={stages})\n"
          "out = {{'seconds': round(time.perf_counter() - t, 2), 'posts_total': s.posts_total}}\n")
STAGE = ("from copydesk import db as dbmod\n"
         "from copydesk.quality import corpus, signals\n"
         "con = dbmod.open_db({db!r})\n"
         "t = time.perf_counter()\n"
         "analysed = signals.compute_missing(con)\n"
         "t_signals = time.perf_counter() - t\n"
         "done = corpus.update(con)\n"
         "out = {{'seconds': round(time.perf_counter() - t, 2), 'signals_s': round(t_signals, 2),\n"
         "       'corpus_s': round(time.perf_counter() - t - t_signals, 2), 'revisions_analysed': analysed,\n"
         "       'posts_scored': done['scored'], 'flipped_sentences': done['flipped'], 'full': done['full']}}\n"
         "con.close()\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--extra", type=int, default=10_000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/quality-bench"))
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    pages = corpus(args.workdir, args.posts, seed=1)
    extra = corpus(args.workdir, args.extra, seed=2)
    results = {"posts": args.posts, "extra": args.extra, "cpus": os.cpu_count()}
    results["per_post"] = per_post_cost(pages)
    print(json.dumps(results["per_post"]), flush=True)

    db = fresh(args.workdir / "bench.duckdb")
    results["import_without_stages"] = run(IMPORT.format(pages=str(pages), db=str(db), stages=False))
    results["quality_stage"] = run(STAGE.format(db=str(db)))
    print(json.dumps(results["import_without_stages"]), json.dumps(results["quality_stage"]), flush=True)
    results["import_extra_without_stages"] = run(IMPORT.format(pages=str(extra), db=str(db), stages=False))
    results["quality_stage_incremental"] = run(STAGE.format(db=str(db)))
    print(json.dumps(results["quality_stage_incremental"]), flush=True)
    db = fresh(args.workdir / "bench-all.duckdb")
    results["import_with_stages"] = run(IMPORT.format(pages=str(pages), db=str(db), stages=True))
    base = results["import_without_stages"]["seconds"]
    results["ratio_import_plus_quality"] = round((base + results["quality_stage"]["seconds"]) / base, 2)
    results["ratio_import_with_stages"] = round(results["import_with_stages"]["seconds"] / base, 2)
    print(json.dumps(results, indent=1))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "quality_bench.json").write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
