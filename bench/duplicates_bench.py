"""Near-duplicate detection: copydesk's engine vs datasketch MinHashLSH + rapidfuzz, and brute force.

    .venv/bin/python bench/duplicates_bench.py --posts 100000            # generate, then run all three
    .venv/bin/python bench/duplicates_bench.py --corpus DIR --engines ours  # an existing synth corpus

Each engine runs in its own child process on the same corpus (``posts.jsonl`` of
``copydesk synth --jsonl``), so wall time and peak memory (max RSS) are its own:

* ``ours``    -- :func:`copydesk.duplicates.find_pairs` on a copydesk database holding the
  corpus (built once before timing; what ``copydesk duplicates`` runs), default settings;
* ``minhash`` -- datasketch ``MinHashLSH`` (128 permutations, word 3-shingles of the same
  normalised text, LSH threshold 0.5), every candidate verified with rapidfuzz ``cpdist``
  using the same scorer (max of ratio and token_sort_ratio, ``workers=-1``);
* ``brute``   -- rapidfuzz ``process.cdist`` over every pair of a 2,000-post subset (the
  accuracy reference); ``ours`` is also run on that subset and compared with it.

Precision and recall are against the planted pairs (``truth_pairs.csv``, transitive
pairs included) at the threshold; hard negatives (same title, different article) are
counted when reported.  Prints one JSON line per engine and a Markdown table.
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

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

SUBSET = 2000


def load(corpus: Path, limit: int | None = None) -> pd.DataFrame:
    parquet = corpus / "posts.parquet"
    if parquet.exists():
        df = pd.read_parquet(parquet, columns=["post_id", "title", "body"])
    else:
        df = pd.read_json(corpus / "posts.jsonl", lines=True, dtype=False)[["post_id", "title", "body"]]
    df = df[df["post_id"].notna()].drop_duplicates("post_id", keep="last").reset_index(drop=True)
    return df.head(limit) if limit else df


def truth_sets(corpus: Path, ids: set | None = None):
    t = pd.read_csv(corpus / "truth_pairs.csv")
    h = pd.read_csv(corpus / "hard_negatives.csv")
    truth = set(zip(t["post_id_a"], t["post_id_b"]))
    hard = set(zip(h["post_id_a"], h["post_id_b"]))
    if ids is not None:
        truth = {p for p in truth if p[0] in ids and p[1] in ids}
        hard = {p for p in hard if p[0] in ids and p[1] in ids}
    return truth, hard


def score(found: set, truth: set, hard: set) -> dict:
    tp = len(found & truth)
    return {"found": len(found), "truth": len(truth), "precision": round(tp / max(len(found), 1), 5),
            "recall": round(tp / max(len(truth), 1), 5), "hard_negatives_reported": len(found & hard)}


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# ------------------------------------------------------------------ engines (run in a child)

def build_db(corpus: Path) -> Path:
    """A copydesk database with the corpus's posts (built once, outside the timings)."""
    from copydesk import db as dbmod
    from bench_support import BENCH

    path = corpus / "bench_posts.duckdb"
    if path.exists():
        return path
    src = corpus / "posts.parquet"
    if not src.exists():
        import pyarrow.json as pj
        import pyarrow.parquet as pq

        table = pj.read_json(corpus / "posts.jsonl", read_options=pj.ReadOptions(block_size=64 << 20))
        pq.write_table(table.select(["post_id", "site", "title", "body", "status", "view_count",
                                     "score_quality", "score_freshness"]), src)
    con = dbmod.open_db(path)
    try:
        BENCH.run(con, "duplicate_posts", path=str(src))
    finally:
        con.close()
    return path


def run_ours(df: pd.DataFrame | Path, threshold: float) -> tuple[set, dict]:
    from copydesk import db as dbmod
    from copydesk import duplicates as dup

    settings = dup.Settings(threshold=threshold)
    if isinstance(df, Path):                  # the production path: posts streamed from DuckDB
        con = dbmod.connect(df, read_only=True)
        con.execute("SET memory_limit = '512MB'")
        try:
            res = dup.find_pairs(con, settings)
        finally:
            con.close()
    else:
        res = dup.find_duplicates_df(df, settings)
    p = res.pairs
    sel = p[(p["similarity"] >= threshold) & (p["kind"] != "title")]
    return set(zip(sel["post_id_a"], sel["post_id_b"])), {"stats": res.stats}


def _normalised(df: pd.DataFrame) -> list[str]:
    import pyarrow as pa

    from copydesk import duplicates as dup

    return dup.normalise_arrow(pa.array(df["title"]), pa.array(df["body"])).to_pylist()


def _verify(texts: list[str], a: np.ndarray, b: np.ndarray, threshold: float) -> np.ndarray:
    from copydesk import duplicates as dup

    out = np.zeros(len(a))
    step = 100_000
    for s in range(0, len(a), step):
        A, B = a[s: s + step], b[s: s + step]
        out[s: s + step] = dup.score_pairs([texts[i] for i in A], [texts[i] for i in B], cutoff=threshold)
    return out


def run_minhash(df: pd.DataFrame, threshold: float) -> tuple[set, dict]:
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    texts = _normalised(df)
    ids = df["post_id"].tolist()
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    sigs = []
    for i, text in enumerate(texts):
        words = text.split(" ")
        shingles = {" ".join(words[j: j + 3]).encode() for j in range(max(len(words) - 2, 1))}
        m = MinHash(num_perm=128)
        m.update_batch(list(shingles))
        lsh.insert(i, m)
        sigs.append(m)
    t1 = time.perf_counter()
    cand = set()
    for i, m in enumerate(sigs):
        for j in lsh.query(m):
            if j != i:
                cand.add((min(i, j), max(i, j)))
    t2 = time.perf_counter()
    pairs = np.array(sorted(cand), dtype=np.int64).reshape(-1, 2)
    # long posts would make the quadratic scorers run for minutes; same guard as ours
    lengths = np.array([len(t) for t in texts])
    sim = np.zeros(len(pairs))
    if len(pairs):
        long_ = np.maximum(lengths[pairs[:, 0]], lengths[pairs[:, 1]]) > 30_000
        from copydesk import duplicates as dup
        for k in np.flatnonzero(long_):
            sim[k] = dup.long_similarity(texts[pairs[k, 0]], texts[pairs[k, 1]])
        short = np.flatnonzero(~long_)
        sim[short] = _verify(texts, pairs[short, 0], pairs[short, 1], threshold)
    t3 = time.perf_counter()
    found = {tuple(sorted((ids[a], ids[b]))) for (a, b), s in zip(pairs, sim) if s >= threshold}
    return found, {"candidates": len(pairs), "t_minhash_index": round(t1 - t0, 2),
                   "t_query": round(t2 - t1, 2), "t_verify": round(t3 - t2, 2)}


def run_brute(df: pd.DataFrame, threshold: float) -> tuple[set, dict]:
    from rapidfuzz import fuzz, process

    texts = _normalised(df)
    srt = [" ".join(sorted(t.split(" "))) for t in texts]
    ids = df["post_id"].tolist()
    m1 = process.cdist(texts, texts, scorer=fuzz.ratio, workers=-1, dtype=np.float32, score_cutoff=threshold)
    m2 = process.cdist(srt, srt, scorer=fuzz.ratio, workers=-1, dtype=np.float32, score_cutoff=threshold)
    m = np.maximum(m1, m2)
    a, b = np.nonzero(np.triu(m >= threshold, k=1))
    found = {tuple(sorted((ids[i], ids[j]))) for i, j in zip(a, b)}
    return found, {"pairs_compared": len(texts) * (len(texts) - 1) // 2}


ENGINES = {"ours": run_ours, "minhash": run_minhash, "brute": run_brute, "ours_subset": run_ours}


def child(engine: str, corpus: Path, threshold: float) -> None:
    limit = SUBSET if engine in ("brute", "ours_subset") else None
    t0 = time.perf_counter()
    if engine == "ours":
        df = build_db(corpus)
        import duckdb
        with duckdb.connect(str(df), read_only=True) as c:
            ids = {r[0] for r in c.execute("SELECT post_id FROM posts").fetchall()}
    else:
        df = load(corpus, limit)
        ids = set(df["post_id"])
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    found, extra = ENGINES[engine](df, threshold)
    seconds = time.perf_counter() - t0
    truth, hard = truth_sets(corpus, ids if limit else None)
    out = {"engine": engine, "posts": len(ids), "seconds": round(seconds, 2), "load_seconds": round(t_load, 2),
           "peak_rss_mb": peak_mb(), **score(found, truth, hard), **extra}
    if engine in ("brute", "ours_subset"):
        out["pairs"] = sorted(found)
    print(json.dumps(out, default=str))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=100_000, help="posts to generate when --corpus is not given")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--corpus", type=Path, help="an existing corpus folder (posts.jsonl or posts.parquet, truth)")
    ap.add_argument("--engines", default="ours,minhash,brute", help="comma-separated: ours, minhash, brute")
    ap.add_argument("--threshold", type=float, default=90.0)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.corpus, args.threshold)
        return
    corpus = args.corpus
    if corpus is None:
        from copydesk import synth

        corpus = ROOT / "bench" / "out" / f"dup_corpus_{args.posts}"
        if not (corpus / "posts.jsonl").exists():
            print(f"generating {args.posts:,} posts in {corpus} ...", file=sys.stderr)
            synth.generate(corpus, args.posts, seed=args.seed, jsonl=True)
    results = {}
    engines = args.engines.split(",")
    if "brute" in engines:
        engines.append("ours_subset")
    for engine in engines:
        proc = subprocess.run([sys.executable, __file__, "--child", engine, "--corpus", str(corpus),
                               "--threshold", str(args.threshold)], capture_output=True, text=True,
                              env=dict(os.environ, PYTHONWARNINGS="ignore"))
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            raise SystemExit(f"engine {engine} failed")
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        results[engine] = res
        print(json.dumps({k: v for k, v in res.items() if k != "pairs"}, default=str))
    if "brute" in results and "ours_subset" in results:
        b, o = set(map(tuple, results["brute"]["pairs"])), set(map(tuple, results["ours_subset"]["pairs"]))
        print(json.dumps({"subset_agreement": {"brute_pairs": len(b), "ours_pairs": len(o),
                                               "ours_missing_vs_brute": len(b - o), "ours_extra_vs_brute": len(o - b)}}))
    print()
    print("| engine | posts | wall s | peak RSS MB | precision | recall | hard negatives reported |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        print(f"| {name} | {r['posts']:,} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} | {r['precision']:.4f} | "
              f"{r['recall']:.4f} | {r['hard_negatives_reported']} |")
    if "ours" in results and "minhash" in results:
        print(f"\nspeed-up over MinHashLSH + rapidfuzz: {results['minhash']['seconds'] / results['ours']['seconds']:.1f}x")


if __name__ == "__main__":
    main()
