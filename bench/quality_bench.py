"""Quality-signal benchmark: per-post cost against the parser, and the after-import stage at scale.

    flock /tmp/copydesk-heavy.lock .venv/bin/python bench/quality_bench.py [--posts 100000] [--extra 10000]
        [--workdir /tmp/quality-bench]

1. Per-post cost, in one process, on the first 5,000 files of the corpus: ``parse_page`` (the
   peer: what a parser worker does per file today) and ``copydesk.quality.text.analyse`` of the
   parsed body, CPU time per post (best of 5).
2. In fresh processes on an empty database, ``--posts`` posts: the import without any stage (the
   floor), and the import with the quality signals (computed in the parser processes, the
   each-chunk stage) followed by the quality after-import stage (``copydesk.quality.update``:
   sentence counts, template share, scores); the ratio of the two is the issue's target (≤ 1.25).
   The other after-import stages (near-duplicates, trend snapshot) are off in both.
3. ``--extra`` more posts (another seed) imported into that database, and the incremental stage.
4. ``copydesk quality`` (the full recompute from the stored signals) on that database.

With ``--ratio-only N`` only step 2 runs, N rounds of the imports alternated, and the best of
each is compared: the import alone, and the import plus the quality stage after it (every other
stage off in both); and ``copydesk import`` as users run it (every stage) against the same import
without the quality signals (the each-chunk signals and the quality stage off, the others on).

Corpora are generated once (``copydesk synth``) and cached in the work dir.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
    from copydesk.quality import batch
    chunks = [bodies[i:i + 1000] for i in range(0, len(bodies), 1000)]
    batch_s = best(lambda: [batch.Chunk([b for b, _c in ch], [c for _b, c in ch]) for ch in chunks])
    return {"files": len(data), "posts": len(rows), "parse_us": round(parse_s / len(data) * 1e6, 1),
            "analyse_us": round(analyse_s / len(rows) * 1e6, 1),
            "batch_us": round(batch_s / len(rows) * 1e6, 1),
            "batch_vs_parse": round(batch_s / len(rows) / (parse_s / len(data)), 2),
            "mean_body_chars": round(sum(len(b or "") for b, _c in bodies) / len(bodies))}


def run(code: str) -> dict:
    """Run ``code`` (which prints one JSON line last) in a fresh process; adds wall seconds and peak RSS."""
    code = "import json, resource, sys, time\n" + code + (
        "\nout['rss_mb'] = round(max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)\n"
        "print(json.dumps(out, default=str))\n")
    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(done.stderr)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["wall_s"] = round(time.perf_counter() - t0, 2)
    # CPU of the process and its parser processes (less sensitive to other jobs than wall time)
    out["cpu_s"] = round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 2)
    return out


def fresh(db: Path) -> Path:
    for p in (db, db.with_name(db.name + ".wal")):
        if p.exists():
            p.unlink()
    return db


IMPORT = ("from copydesk.importer import import_paths\n"
          "from copydesk import db as dbmod\n"
          "t = time.perf_counter()\n"
          "s = import_paths([{pages!r}], {db!r}, after_import=False, chunk_stages={signals})\n"
          "out = {{'import_s': round(time.perf_counter() - t, 2), 'posts_total': s.posts_total}}\n"
          "if {signals}:\n"
          "    from copydesk.quality import corpus\n"
          "    con = dbmod.open_db({db!r})\n"
          "    t1 = time.perf_counter()\n"
          "    done = corpus.update(con)\n"
          "    out.update(stage_s=round(time.perf_counter() - t1, 2), analysed_after=done['analysed'],\n"
          "               scored=done['scored'], flipped=done['flipped'], full=done['full'])\n"
          "    con.close()\n"
          "out['seconds'] = round(time.perf_counter() - t, 2)\n")
# ``copydesk import`` as users run it (every stage), and the same import without the quality signals
# (no each-chunk signals, no quality after-import stage; the other stages run): the ratio.
IMPORT_AS_RUN = ("from copydesk import hooks\n"
                 "from copydesk.importer import import_paths\n"
                 "hooks.stages()          # the stages' modules imported before the clock starts, in both\n"
                 "if not {signals}:\n"
                 "    for name in [n for n in hooks._STAGES if n.startswith('copydesk.quality')]:\n"
                 "        del hooks._STAGES[name]\n"
                 "t = time.perf_counter()\n"
                 "s = import_paths([{pages!r}], {db!r}, chunk_stages={signals})\n"
                 "out = {{'seconds': round(time.perf_counter() - t, 2), 'posts_total': s.posts_total}}\n")
RECOMPUTE = ("from copydesk import db as dbmod\n"
             "from copydesk.quality import corpus\n"
             "con = dbmod.open_db({db!r})\n"
             "t = time.perf_counter()\n"
             "done = corpus.recompute(con)\n"
             "out = {{'seconds': round(time.perf_counter() - t, 2), 'scored': done['scored']}}\n"
             "con.close()\n")


def ratio_only(args) -> None:
    """Step 2 alone, alternated ``--ratio-only`` times: the import without signals, then the import
    with them (and the quality stage after it), then both as ``copydesk import`` runs them (every
    other stage too); each in a fresh process on an empty database."""
    args.workdir.mkdir(parents=True, exist_ok=True)
    pages = corpus(args.workdir, args.posts, seed=1)
    db = args.workdir / "ratio.duckdb"
    rounds = []
    for _ in range(args.ratio_only):
        without = run(IMPORT.format(pages=str(pages), db=str(fresh(db)), signals=False))
        with_ = run(IMPORT.format(pages=str(pages), db=str(fresh(db)), signals=True))
        as_run_without = run(IMPORT_AS_RUN.format(pages=str(pages), db=str(fresh(db)), signals=False))
        as_run_with = run(IMPORT_AS_RUN.format(pages=str(pages), db=str(fresh(db)), signals=True))
        rounds.append({"without": without, "with": with_, "as_run_without": as_run_without,
                       "as_run_with": as_run_with, "load": os.getloadavg()[0]})
        print(json.dumps(rounds[-1]), flush=True)
    best_without = min(r["without"]["import_s"] for r in rounds)
    best_with = min(r["with"]["import_s"] for r in rounds)
    best_with_stage = min(r["with"]["seconds"] for r in rounds)
    cpu_without = min(r["without"]["cpu_s"] for r in rounds)
    cpu_with = min(r["with"]["cpu_s"] for r in rounds)
    results = {"posts": args.posts, "rounds": rounds, "import_without_s": best_without,
               "import_with_signals_s": best_with, "import_with_signals_and_stage_s": best_with_stage,
               "ratio_import": round(best_with / best_without, 2),
               "ratio_import_and_stage": round(best_with_stage / best_without, 2),
               "cpu_without_s": cpu_without, "cpu_with_signals_and_stage_s": cpu_with,
               "ratio_cpu": round(cpu_with / cpu_without, 2),
               "as_run_without_s": min(r["as_run_without"]["seconds"] for r in rounds),
               "as_run_with_s": min(r["as_run_with"]["seconds"] for r in rounds)}
    results["ratio_as_run"] = round(results["as_run_with_s"] / results["as_run_without_s"], 2)
    print(json.dumps({k: v for k, v in results.items() if k != "rounds"}, indent=1))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"quality_ratio_{args.posts}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--extra", type=int, default=10_000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/quality-bench"))
    ap.add_argument("--skip-floor", action="store_true", help="do not time the import without signals")
    ap.add_argument("--ratio-only", type=int, metavar="ROUNDS", default=0,
                    help="only step 2, ROUNDS times, the imports alternated (best of each)")
    args = ap.parse_args()
    if args.ratio_only:
        return ratio_only(args)
    args.workdir.mkdir(parents=True, exist_ok=True)
    pages = corpus(args.workdir, args.posts, seed=1)
    extra = corpus(args.workdir, args.extra, seed=2)
    results = {"posts": args.posts, "extra": args.extra, "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    results["per_post"] = per_post_cost(pages)
    print(json.dumps(results["per_post"]), flush=True)
    db = fresh(args.workdir / "bench.duckdb")
    if not args.skip_floor:
        results["import_without_signals"] = run(IMPORT.format(pages=str(pages), db=str(db), signals=False))
        print(json.dumps(results["import_without_signals"]), flush=True)
        db = fresh(db)
    results["import_with_signals"] = run(IMPORT.format(pages=str(pages), db=str(db), signals=True))
    print(json.dumps(results["import_with_signals"]), flush=True)
    results["import_extra_with_signals"] = run(IMPORT.format(pages=str(extra), db=str(db), signals=True))
    print(json.dumps(results["import_extra_with_signals"]), flush=True)
    results["recompute"] = run(RECOMPUTE.format(db=str(db)))
    print(json.dumps(results["recompute"]), flush=True)
    if not args.skip_floor:
        base = results["import_without_signals"]["seconds"]
        results["ratio_with_vs_without"] = round(results["import_with_signals"]["seconds"] / base, 2)
    results["load_after"] = os.getloadavg()
    print(json.dumps(results, indent=1))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"quality_bench_{args.posts}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
