"""Synthetic corpus generator benchmark and truth-file quality report.

    .venv/bin/python bench/synth_bench.py --sizes 10000 100000 [1000000] [--workdir /tmp/copydesk-synth-bench]

For each size: generate a corpus (``synth.generate``, irregular, dup_share 0.15) into a
fresh folder and report wall / CPU seconds, files and bytes written.  For the smallest
size also report the similarity of the planted near-duplicates (every truth pair), the
hard negatives and random unrelated pairs under the measure the truth file promises:
``max(fuzz.ratio, fuzz.token_sort_ratio)`` of the normalised title + body.
Results are printed as Markdown and saved to bench/out/synth.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from copydesk import synth  # noqa: E402


def du(path: Path) -> int:
    return sum(os.path.getsize(os.path.join(r, f)) for r, _d, fs in os.walk(path) for f in fs)


def quality(out: Path, sample: int = 3000) -> dict:
    cur = {}
    with open(out / "manifest.jsonl", encoding="utf-8") as fh:
        for line in fh:
            m = json.loads(line)
            if m["expect"] == "post" and m["current"] and m["fields"]["post_id"]:
                f = m["fields"]
                if len(f["body"]) < 100_000:
                    cur[f["post_id"]] = synth.article_key(f["title"], f["body"])

    def sims(a, b):
        ka, kb = cur[a], cur[b]
        return fuzz.ratio(ka, kb), fuzz.token_sort_ratio(ka, kb)

    rng = random.Random(0)
    with open(out / "truth_pairs.csv", newline="", encoding="utf-8") as fh:
        pairs = [(r["post_id_a"], r["post_id_b"], r["kind"]) for r in csv.DictReader(fh)]
    with open(out / "hard_negatives.csv", newline="", encoding="utf-8") as fh:
        negs = [(r["post_id_a"], r["post_id_b"]) for r in csv.DictReader(fh)]
    truth = {(a, b) for a, b, _k in pairs}
    by_kind = defaultdict(list)
    for a, b, k in rng.sample(pairs, min(sample, len(pairs))):
        if a in cur and b in cur:
            by_kind[k].append(sims(a, b))
    report = {"truth_pairs": len(pairs), "hard_negatives": len(negs), "kinds": {}}
    for k, v in sorted(by_kind.items()):
        r, t = [x[0] for x in v], [x[1] for x in v]
        best = [max(x) for x in v]
        report["kinds"][k] = {"n": len(v), "ratio_min": min(r), "ratio_median": statistics.median(r),
                              "token_sort_min": min(t), "best_min": min(best),
                              "best_median": statistics.median(best)}
    hn = [max(sims(a, b)) for a, b in rng.sample(negs, min(sample, len(negs))) if a in cur and b in cur]
    ids = sorted(cur)
    un = []
    while len(un) < 1000:
        a, b = rng.sample(ids, 2)
        if (min(a, b), max(a, b)) not in truth:
            un.append(max(sims(a, b)))
    for name, v in (("hard_negative", hn), ("unrelated", un)):
        q = statistics.quantiles(v, n=100)
        report[name] = {"n": len(v), "median": statistics.median(v), "p99": q[98], "max": max(v)}
    return report


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/copydesk-synth-bench"))
    ap.add_argument("--keep", action="store_true", help="keep the generated corpora")
    args = ap.parse_args()
    results = []
    for n in args.sizes:
        out = args.workdir / f"synth-{n}"
        if out.exists():
            shutil.rmtree(out)
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        res = synth.generate(out, n, seed=1)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        row = {"posts": n, "files": res.files, "truth_pairs": res.truth_pairs, "wall_s": round(wall, 1),
               "user_s": round(r1.ru_utime - r0.ru_utime, 1), "sys_s": round(r1.ru_stime - r0.ru_stime, 1),
               "pages_mb": round(du(res.pages_dir) / 2**20), "manifest_mb": round(
                   (out / "manifest.jsonl").stat().st_size / 2**20), "posts_per_s": round(n / wall)}
        if n == min(args.sizes) and n <= 100_000:
            row["quality"] = quality(out)
        results.append(row)
        print(json.dumps(row), flush=True)
        if not args.keep:
            shutil.rmtree(out)
    print("\n| posts | files | wall s | user s | sys s | posts/s | pages MB | manifest MB |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['posts']:,} | {r['files']:,} | {r['wall_s']} | {r['user_s']} | {r['sys_s']} | "
              f"{r['posts_per_s']:,} | {r['pages_mb']} | {r['manifest_mb']} |")
    q = next((r["quality"] for r in results if "quality" in r), None)
    if q:
        print("\n| truth kind | pairs | ratio min | ratio median | token_sort min | best min | best median |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for k, v in q["kinds"].items():
            print(f"| {k} | {v['n']} | {v['ratio_min']:.1f} | {v['ratio_median']:.1f} | "
                  f"{v['token_sort_min']:.1f} | {v['best_min']:.1f} | {v['best_median']:.1f} |")
        for name in ("hard_negative", "unrelated"):
            v = q[name]
            print(f"\n{name}: n={v['n']} best median {v['median']:.1f}, p99 {v['p99']:.1f}, max {v['max']:.1f}")
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "synth.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
