"""The synthetic corpus generator: deterministic bytes, complete answer keys, planted
near-duplicates that really are near-duplicates, and every irregularity on disk."""

from __future__ import annotations

import csv
import itertools
import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from rapidfuzz import fuzz

from copydesk import synth
from copydesk.cli import main

NAME = re.compile(r"^\d{3,}_[0-9a-f]{16}\.txt$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
BIG = 100_000  # bodies above this are the planted very large files; keep them out of fuzzy checks


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "corpus"
    result = synth.generate(out, 1200, seed=7, jsonl=True)
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text("utf-8").splitlines()]
    return result, manifest


def _read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _current(manifest) -> dict[str, dict]:
    return {m["fields"]["post_id"]: m["fields"] for m in manifest
            if m["expect"] == "post" and m["current"] and m["fields"]["post_id"]}


def _sim(a: dict, b: dict) -> float:
    ka, kb = synth.article_key(a["title"], a["body"]), synth.article_key(b["title"], b["body"])
    return max(fuzz.ratio(ka, kb), fuzz.token_sort_ratio(ka, kb))


def _groups(manifest) -> dict[str, str]:
    """post_id -> its duplicate group's root, from the dup_of edges of the manifest."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for m in manifest:
        if m.get("dup_of"):
            parent[root(m["fields"]["post_id"])] = root(m["dup_of"]["post_id"])
    return {x: root(x) for x in list(parent) + [p for p in parent.values()]}


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    return text.replace("\r\n", "\n")


def test_same_seed_gives_same_bytes_and_another_seed_does_not(tmp_path):
    def snapshot(out: Path) -> dict[str, bytes]:
        return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    a = synth.generate(tmp_path / "a", 160, seed=11, jsonl=True)
    b = synth.generate(tmp_path / "b", 160, seed=11, jsonl=True)
    c = synth.generate(tmp_path / "c", 160, seed=12, jsonl=True)
    sa, sb, sc = snapshot(a.out_dir), snapshot(b.out_dir), snapshot(c.out_dir)
    assert sa == sb
    assert len(sa) > 160
    assert sa["manifest.jsonl"] != sc["manifest.jsonl"]
    assert set(sa) != set(sc)  # file names carry random hex


def test_counts_layout_and_names(corpus):
    result, manifest = corpus
    pages = result.pages_dir
    on_disk = sorted(p for p in pages.rglob("*") if p.is_file())
    assert result.files == len(on_disk) == len(manifest)
    assert sorted(str(p.relative_to(result.out_dir)) for p in on_disk) == sorted(m["file"] for m in manifest)
    assert all(NAME.match(p.name) for p in on_disk)
    numbers = sorted(int(p.name.split("_")[0]) for p in on_disk)
    assert numbers == list(range(len(on_disk)))
    posts = [m for m in manifest if m["expect"] == "post"]
    current = [m for m in posts if m["current"]]
    assert len(current) == result.posts == 1200
    assert len(posts) > len(current)        # older revisions of some posts
    assert Counter(m["expect"] for m in manifest)["reject"] >= 3
    lines = (result.out_dir / "posts.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 1200
    for line in lines[:50]:
        assert tuple(json.loads(line)) == synth.POST_COLUMNS


def test_shards_of_files_when_the_corpus_is_large(tmp_path, monkeypatch):
    monkeypatch.setattr(synth, "SHARD_SIZE", 40)
    result = synth.generate(tmp_path / "s", 100, seed=3, irregular=False)
    shards = sorted(p.name for p in result.pages_dir.iterdir())
    assert shards == ["00000", "00001", "00002"]
    assert [len(list((result.pages_dir / s).iterdir())) for s in shards] == [40, 40, 20]
    first = json.loads((result.out_dir / "manifest.jsonl").read_text("utf-8").splitlines()[0])
    assert first["file"].startswith("pages/00000/000_")


def test_truth_pairs_are_near_duplicates(corpus):
    result, manifest = corpus
    cur = _current(manifest)
    pairs = _read_csv(result.out_dir / "truth_pairs.csv")
    assert len(pairs) == result.truth_pairs > 100
    assert {p["kind"] for p in pairs} == set(synth.DUP_KINDS)
    for p in pairs:
        assert p["post_id_a"] < p["post_id_b"]
        assert _sim(cur[p["post_id_a"]], cur[p["post_id_b"]]) >= 90, p
    # Every pair inside a group is listed: groups are cliques.
    by_group: dict[str, set[str]] = {}
    for pid, root in _groups(manifest).items():
        by_group.setdefault(root, set()).add(pid)
    listed = {(p["post_id_a"], p["post_id_b"]) for p in pairs}
    expected = {tuple(sorted(ab)) for ids in by_group.values() for ab in itertools.combinations(ids, 2)}
    assert listed == expected
    copies = sum(1 for m in manifest if m.get("dup_of") and m["current"])
    assert 0.10 * 1200 <= copies <= 0.18 * 1200


def test_unrelated_posts_and_hard_negatives_are_far_apart(corpus):
    result, manifest = corpus
    cur = _current(manifest)
    group = _groups(manifest)
    ids = sorted(k for k, f in cur.items() if len(f["body"]) < BIG)
    rng = random.Random(0)
    scores = []
    while len(scores) < 150:
        a, b = rng.sample(ids, 2)
        if group.get(a, a) != group.get(b, b):
            scores.append(_sim(cur[a], cur[b]))
    assert max(scores) < 80
    assert sorted(scores)[len(scores) // 2] < 65
    negatives = _read_csv(result.out_dir / "hard_negatives.csv")
    assert len(negatives) >= 10
    for p in negatives:
        a, b = cur[p["post_id_a"]], cur[p["post_id_b"]]
        assert " ".join(a["title"].lower().split()) == " ".join(b["title"].lower().split())
        assert _sim(a, b) < 80, p


def test_manifest_describes_every_file(corpus):
    result, manifest = corpus
    for m in manifest:
        data = (result.out_dir / m["file"]).read_bytes()
        assert m["bytes"] == len(data)
        if m["expect"] == "reject":
            assert m["fields"] is None
            assert m["reason"] in ("empty", "whitespace_only", "binary")
            if m["reason"] == "empty":
                assert data == b""
            elif m["reason"] == "whitespace_only":
                assert data and not data.strip()
            else:
                assert b"\x00" in data
            continue
        f = m["fields"]
        assert tuple(f) == synth.POST_COLUMNS
        text = _decode(data)
        lines = [ln.rstrip() for ln in text.split("\n")]
        title_at = next(i for i, ln in enumerate(lines) if ln.strip() and ln.strip() != "| | |")
        assert lines[title_at].strip() == f["title"]
        meta_at = next((i for i, ln in enumerate(lines) if ln.endswith(" post meta")), None)
        if meta_at is None:
            assert "no_meta" in m["irregularities"]
            assert f["post_id"] is None and f["site"] is None
            meta_at = lines.index("Similar Posts")
        else:
            assert lines[meta_at] == f"{f['site']} post meta"
        assert "\n".join(lines[title_at + 1:meta_at]).strip("\n") == f["body"]
        assert f["view_count"] is None or isinstance(f["view_count"], int)
        assert f["last_reviewed"] is None or DATE.match(f["last_reviewed"])
        for col in ("ai_generated_style", "has_images", "image_heavy", "needs_human_review"):
            assert f[col] is None or isinstance(f[col], bool)
        for col in ("stack", "tools", "checklist"):
            assert f[col] is None or (isinstance(f[col], list) and all(isinstance(x, str) for x in f[col]))
        assert f["entities"] is None or all(set(e) == {"name", "type"} for e in f["entities"])
        if f["reference"]:
            assert re.fullmatch(r"anp-ref-\d{6}-\d{4}", f["reference"])
        if f["content_hash"]:
            assert re.fullmatch(r"[0-9a-f]{24}", f["content_hash"])
        if f["view_count"] is not None and "thousands_sep" in m["irregularities"]:
            assert f"view count{f['view_count']:,}" in text
        elif f["view_count"] is not None:
            assert f"\nview count{f['view_count']}\n" in text
        for col, raw in m["bad_values"].items():
            assert f[col] is None and raw in text


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


def test_irregularities_are_planted_and_real(corpus):
    result, manifest = corpus
    seen = Counter(k for m in manifest for k in m["irregularities"])
    wanted = {k for k in synth.RATES if k != "revision"} | {"duplicate_source_id", "large_file",
                                                            "empty", "whitespace_only", "binary"}
    assert wanted <= set(seen), wanted - set(seen)
    for m in manifest:
        if m["expect"] != "post":
            continue
        data = (result.out_dir / m["file"]).read_bytes()
        irr = set(m["irregularities"])
        assert (b"\r\n" in data) == ("crlf" in irr)
        assert data.startswith(b"\xef\xbb\xbf") == ("bom" in irr)
        if "cp1252" in irr:
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            data.decode("cp1252")
        else:
            data.decode("utf-8")
        text = _decode(data)
        if not any(k.startswith("bullet_") for k in irr):
            assert "\n  • " in text and "\n  - " not in text
        if "bullet_dash" in irr:
            assert "\n  - " in text and "  • " not in text
        if "bullet_tab" in irr:
            assert "\n\t• " in text
        if "truncated_meta" in irr:
            assert "Similar Posts" not in text and " post meta\n" in text
        if "large_file" in irr:
            assert len(data) > 2_000_000
        if "unknown_meta" in irr:
            for u in m["unknown_meta"]:
                assert (u["line"] if "line" in u else f"\n{u['key']}\n") in text
    # The same source id in two files: exactly one is current, and it has the higher version.
    by_id: dict[str, list[dict]] = {}
    for m in manifest:
        if m["expect"] == "post" and m["fields"]["post_id"]:
            by_id.setdefault(m["fields"]["post_id"], []).append(m)
    twins = [ms for ms in by_id.values() if len(ms) > 1]
    assert len(twins) == seen["duplicate_source_id"] // 2
    for ms in twins:
        assert len(ms) == 2 and sorted(m["current"] for m in ms) == [False, True]
        new, old = sorted(ms, key=lambda m: not m["current"])
        assert _version_key(new["fields"]["version"]) > _version_key(old["fields"]["version"])
        assert new["fields"]["body"] == old["fields"]["body"]
    assert any(_version_key(ms[0]["fields"]["version"]) > _version_key(ms[1]["fields"]["version"])
               != (ms[0]["fields"]["version"] > ms[1]["fields"]["version"]) for ms in twins), \
        "at least one pair where string comparison of versions picks the wrong winner"


def test_clean_corpus_has_no_irregularities(tmp_path):
    result = synth.generate(tmp_path / "clean", 250, seed=5, irregular=False)
    manifest = [json.loads(x) for x in (result.out_dir / "manifest.jsonl").read_text("utf-8").splitlines()]
    assert result.files == len(manifest) == 250
    for m in manifest:
        assert m["expect"] == "post" and m["current"] and m["irregularities"] == []
        data = (result.out_dir / m["file"]).read_bytes()
        assert b"\r" not in data and data.startswith(b"| | |\n\n")
        text = data.decode("utf-8")
        assert text.rstrip().endswith("Similar Posts")
        f = m["fields"]
        assert all(f[c] is not None for c in synth.POST_COLUMNS if c != "last_reviewed"), m["file"]
    assert result.truth_pairs > 10


def test_cli_synth(tmp_path):
    runner = CliRunner()
    out = tmp_path / "cli"
    res = runner.invoke(main, ["synth", str(out), "--posts", "150", "--seed", "4", "--jsonl"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("150 posts in ") and res.output.count("\n") == 1
    assert (out / "posts.jsonl").is_file() and (out / "truth_pairs.csv").is_file()
    first = (out / "manifest.jsonl").read_bytes()
    res = runner.invoke(main, ["synth", str(out), "--posts", "150", "--seed", "4", "--clean", "--dup-share", "0"])
    assert res.exit_code == 0, res.output
    assert (out / "manifest.jsonl").read_bytes() != first
    assert not (out / "posts.jsonl").exists()
    assert len(_read_csv(out / "truth_pairs.csv")) == 0
    # A folder that is not a synth corpus is never wiped.
    other = tmp_path / "project"
    (other / "pages").mkdir(parents=True)
    (other / "pages" / "keep.py").write_text("x = 1\n")
    res = runner.invoke(main, ["synth", str(other), "--posts", "5"])
    assert res.exit_code == 2 and "not a synth corpus" in res.output
    assert (other / "pages" / "keep.py").exists()
