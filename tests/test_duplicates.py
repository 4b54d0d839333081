"""Near-duplicate detection: accuracy on a generated corpus, storage, incremental runs, verdicts, CLI."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import given, settings as hsettings, strategies as st

from copydesk import db as dbmod
from copydesk import duplicates as dup
from copydesk.cli import main

from duplicates_support import insert_posts, pairs_at, precision_recall

import duplicates_support

small_corpus = duplicates_support.small_corpus      # fixtures
corpus_db = duplicates_support.corpus_db


# ------------------------------------------------------------------ accuracy

def test_engine_finds_planted_pairs_and_not_hard_negatives(small_corpus):
    posts, truth, hard = small_corpus
    res = dup.find_duplicates_df(posts[["post_id", "title", "body"]])
    found = pairs_at(res.pairs, 90)
    precision, recall = precision_recall(found, truth)
    assert precision >= 0.99 and recall >= 0.99, (precision, recall, res.stats)
    assert not found & hard, "a same-title, different-article pair was reported as a duplicate"
    # every planted kind is represented and found
    kinds = set(res.pairs[res.pairs["kind"].isin(["exact", "near"])]["kind"])
    assert kinds == {"exact", "near"}
    # hard negatives that were stored are title duplicates
    stored = res.pairs.set_index(["post_id_a", "post_id_b"])
    hard_stored = [p for p in hard if p in stored.index]
    assert hard_stored and all(stored.loc[p, "kind"] == "title" for p in hard_stored)
    assert (res.pairs["post_id_a"] < res.pairs["post_id_b"]).all()
    assert res.stats["lsh_candidates"] < len(posts) * 5, "candidate generation is not selective"


def test_pairs_are_verified_not_all_pairs(small_corpus):
    posts = small_corpus[0]
    res = dup.find_duplicates_df(posts[["post_id", "title", "body"]])
    n = len(posts)
    assert res.stats["verified"] < n * (n - 1) / 2 / 100


def _article(intro, middle, closing):
    return f"{intro}\n\nsteps\n\n{middle}\n\nfinal notes\n\n{closing}"


WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma "
         "tau upsilon phi chi psi omega red orange yellow green blue indigo violet black white grey").split()


def _unique_text(rng, n_words):
    return " ".join(rng.choice(WORDS) + str(rng.integers(0, 50)) for _ in range(n_words)) + "."


def test_template_text_does_not_make_unrelated_posts_duplicates():
    rng = np.random.default_rng(3)
    intro = ("when a project grows this note walks through a practical approach that keeps the team "
             "shipping safely and explains every step with care and patience for the reader. ") * 3
    closing = ("the best result is not only a faster or cleaner implementation but a change another "
               "developer can inspect understand and safely repeat later on. ") * 3
    rows = [{"post_id": f"p{i:03d}", "title": f"post {i}", "body": _article(intro, _unique_text(rng, 60), closing)}
            for i in range(60)]
    # a real near-duplicate: the middle of p000 with sections swapped and one word changed
    body0 = rows[0]["body"].split("\n\n")
    swapped = "\n\n".join([body0[0], body0[3], body0[4], body0[1], body0[2].replace(" ", " and ", 1)])
    rows.append({"post_id": "p999", "title": "POST 0", "body": swapped})
    res = dup.find_duplicates_df(pd.DataFrame(rows))
    found = pairs_at(res.pairs, 90)
    assert found == {("p000", "p999")}, res.pairs.head()
    assert res.stats["template_shingles"] > 0


def test_similarity_handles_reordered_sections_case_and_whitespace():
    a = dup.normalise("Title", "Intro text here.\n\nSection one\n\nfirst part words\n\nSection two\n\nsecond part words")
    b = dup.normalise("TITLE", "intro   text here.\n\nsection two\n\nsecond  part words\n\nsection one\n\nfirst part words")
    assert dup.similarity(a, b) == 100.0
    assert dup.normalise("T", "  • item\n- other\n\t* third") == "t item other third"


@hsettings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="ab -*•·\u00a0\n\t\rXÉ+.", max_size=8),
                          st.text(alphabet="ab -*•·\u00a0\n\t\rXÉ+.", max_size=40)), min_size=1, max_size=8))
def test_vectorised_normalisation_matches_reference(rows):
    titles = pa.array([t for t, _ in rows])
    bodies = pa.array([b for _, b in rows])
    assert dup.normalise_arrow(titles, bodies).to_pylist() == [dup.normalise(t, b) for t, b in rows]


def test_long_articles_use_the_linear_scorer():
    base = " ".join(f"w{i % 997}" for i in range(20_000))
    other = base.replace("w5 ", "x5 ", 3)
    s = dup.long_similarity(base, other)
    assert 99.0 < s < 100.0
    assert dup.long_similarity(base, "completely different") < 1.0


def test_connected_components_and_canonical_reason():
    roots = dup.connected_components(np.array([0, 2, 4]), np.array([1, 3, 3]), 6)
    assert roots.tolist() == [0, 0, 2, 2, 2, 5]
    members = pd.DataFrame({"post_id": ["a", "b", "c"], "score_quality": [80, 90, 90],
                            "score_freshness": [10, 40, 60], "view_count": [5, 7, 1]})
    pid, reason = dup.suggest_canonical(members)
    assert pid == "c" and reason == "quality tied; freshest (60 vs 40)"
    pid, reason = dup.suggest_canonical(members, {"a": ("ann", dt.datetime(2025, 3, 1))})
    assert pid == "a" and reason == "confirmed by ann on 2025-03-01"


def test_word_diff_is_plain_text():
    left, right, unified = dup.word_diff("keep <script>alert(1)</script> this", "keep this **bold**")
    assert "[-<script>alert(1)</script>-]" in left
    assert "{+**bold**+}" in right
    view = dup.pair_view("T", "line one\nline <b>two</b>", "T", "line one\nline three")
    assert "-line <b>two</b>" in view["unified"] and "+line three" in view["unified"]


# ------------------------------------------------------------------ storage, incremental, verdicts

def _stored(con):
    return con.execute("SELECT post_id_a, post_id_b, similarity, kind FROM near_duplicates ORDER BY 1, 2").df()


def test_full_run_stores_pairs_clusters_and_state(corpus_db, small_corpus):
    posts, truth, _ = small_corpus
    with dbmod.session(corpus_db) as con:
        summary = dup.refresh(con)
        pairs = _stored(con)
        clusters = con.execute("SELECT * FROM duplicate_clusters").df()
        state = con.execute("SELECT count(*) FROM duplicate_state").fetchall()[0][0]
        sigs = con.execute("SELECT count(DISTINCT post_id), count(*), min(octet_length(sig)), "
                           "max(octet_length(sig)) FROM duplicate_signatures").fetchall()[0]
    assert summary["mode"] == "full" and summary["posts"] == len(posts)
    precision, recall = precision_recall(pairs_at(pairs), truth)
    assert precision >= 0.99 and recall >= 0.99, (precision, recall)
    assert pairs["similarity"].dropna().min() >= 80.0          # the storage floor
    assert (pairs["kind"] == "exact").any() and (pairs["kind"] == "near").any()
    assert state == len(posts) and sigs == (len(posts), len(posts), 2 * dup.DEFAULT.bins, 2 * dup.DEFAULT.bins)
    # each cluster has exactly one canonical post with a reason, and members are linked at >= 90
    per = clusters.groupby("cluster_id")
    assert (per["is_canonical"].sum() == 1).all()
    assert clusters[clusters["is_canonical"]]["reason"].notna().all()
    assert (per["cluster_size"].first() == per.size()).all()
    truth_members = {p for pair in truth for p in pair}
    assert set(clusters["post_id"]) == truth_members


def test_incremental_run_compares_only_new_and_changed_posts(corpus_db, small_corpus):
    posts = small_corpus[0]
    with dbmod.session(corpus_db) as con:
        dup.refresh(con)
        # three copies of existing posts under new ids, one post rewritten, one deleted
        copies = posts.head(3).assign(post_id=lambda d: d["post_id"] + "-copy", body=lambda d: d["body"] + " thanks")
        insert_posts(con, copies, batch_id=2)
        victim = con.execute("SELECT post_id_b FROM near_duplicates WHERE kind = 'near' ORDER BY 1 LIMIT 1").fetchall()[0][0]
        con.execute("UPDATE post_revisions SET body = 'an entirely new text', article_hash = 'new' WHERE post_id = ? AND is_current", [victim])
        gone = con.execute("SELECT post_id_a FROM near_duplicates WHERE kind = 'exact' ORDER BY 1 LIMIT 1").fetchall()[0][0]
        con.execute("DELETE FROM post_revisions WHERE post_id = ?", [gone])
        inc = dup.refresh(con, incremental=True)
        after_inc = _stored(con)
        again = dup.refresh(con, incremental=True)
        full = dup.refresh(con)
        after_full = _stored(con)
    assert inc["mode"] == "incremental" and inc["compared"] == 4 and inc["removed"] == 1
    assert inc["related"] < len(posts) / 10
    assert again["compared"] == 0 and again["stored_pairs"] == 0
    assert full["mode"] == "full"
    pd.testing.assert_frame_equal(after_inc, after_full)
    copies_found = after_inc[after_inc["post_id_b"].str.endswith("-copy") | after_inc["post_id_a"].str.endswith("-copy")]
    assert {p + "-copy" for p in posts.head(3)["post_id"]} <= set(copies_found["post_id_a"]) | set(copies_found["post_id_b"])
    assert not ((after_inc["post_id_a"] == gone) | (after_inc["post_id_b"] == gone)).any()
    touching = after_inc[(after_inc["post_id_a"] == victim) | (after_inc["post_id_b"] == victim)]
    assert set(touching["kind"]) <= {"title"}                # its title still matches, its article does not


def test_verdicts_survive_recomputation(corpus_db):
    with dbmod.session(corpus_db) as con:
        dup.refresh(con)
        big = con.execute("SELECT cluster_id FROM duplicate_clusters GROUP BY 1 HAVING count(*) = 2 "
                          "ORDER BY 1 LIMIT 1").fetchall()[0][0]
        a, b = sorted(r[0] for r in con.execute("SELECT post_id FROM duplicate_clusters WHERE cluster_id = ?",
                                                [big]).fetchall())
        dup.record_verdict(con, "not_duplicate", b, a, editor="ann", note="different audience")
        assert con.execute("SELECT count(*) FROM duplicate_clusters WHERE post_id IN (?, ?)", [a, b]).fetchall()[0][0] == 0
        # confirm a canonical that is not the suggested one in another cluster
        row = con.execute("SELECT cluster_id, post_id FROM duplicate_clusters WHERE NOT is_canonical "
                          "ORDER BY cluster_id, post_id LIMIT 1").fetchall()[0]
        dup.record_verdict(con, "canonical", row[1], editor="bob")
        dup.refresh(con)                                   # full recomputation
        verdicts = con.execute("SELECT verdict, post_id_a, post_id_b, editor FROM duplicate_verdicts ORDER BY verdict_id").fetchall()
        assert verdicts == [("not_duplicate", a, b, "ann"), ("canonical", row[1], None, "bob")]
        assert con.execute("SELECT count(*) FROM duplicate_clusters WHERE post_id IN (?, ?)", [a, b]).fetchall()[0][0] == 0
        canon = con.execute("SELECT is_canonical, reason FROM duplicate_clusters WHERE post_id = ?", [row[1]]).fetchall()[0]
        assert canon[0] and canon[1].startswith("confirmed by bob on ")
        # the pair itself is still stored (the slider can show it), only the cluster ignores it
        assert con.execute("SELECT count(*) FROM near_duplicates WHERE post_id_a = ? AND post_id_b = ?", [a, b]).fetchall()[0][0] == 1
        dup.record_verdict(con, "duplicate", a, b, editor="ann")          # undo
        assert con.execute("SELECT count(*) FROM duplicate_clusters WHERE post_id IN (?, ?)", [a, b]).fetchall()[0][0] == 2
    with pytest.raises(ValueError):
        with dbmod.session(corpus_db) as con:
            dup.record_verdict(con, "maybe", a, b, editor="ann")


# ------------------------------------------------------------------ CLI

def test_cli_duplicates_writes_csv(corpus_db, small_corpus, tmp_path):
    _posts, truth, hard = small_corpus
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(main, ["duplicates", "--db", str(corpus_db), "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert "full run 1" in result.output and "wrote" in result.output
    df = pd.read_csv(out)
    assert list(df.columns[:3]) == ["post_id_a", "post_id_b", "similarity"]
    assert (df["similarity"] >= 90).all()
    found = set(zip(df["post_id_a"], df["post_id_b"]))
    precision, recall = precision_recall(found, truth)
    assert precision >= 0.99 and recall >= 0.99, (precision, recall)
    assert not found & hard
    # every stored pair at/above the threshold is in the CSV, exact pairs included
    with dbmod.session(corpus_db, read_only=True) as con:
        stored = pairs_at(_stored(con))
        kinds = dict(con.execute("SELECT kind, count(*) FROM near_duplicates WHERE similarity >= 90 "
                                 "GROUP BY kind").fetchall())
    assert found == stored and kinds.get("exact", 0) > 0
    assert (df["kind"] == "exact").sum() == kinds["exact"]
    # a stricter threshold writes a subset; --incremental on an unchanged db compares nothing
    strict = tmp_path / "strict.csv"
    result = CliRunner().invoke(main, ["duplicates", "--db", str(corpus_db), "--threshold", "99.5",
                                       "--incremental", "--csv", str(strict), "--json"])
    assert result.exit_code == 0, result.output
    assert '"compared": 0' in result.output
    s = pd.read_csv(strict)
    assert 0 < len(s) < len(df) and (s["similarity"] >= 99.5).all()


def test_cli_duplicates_errors(tmp_path):
    result = CliRunner().invoke(main, ["duplicates", "--db", str(tmp_path / "missing.duckdb")])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = CliRunner().invoke(main, ["duplicates", "--db", str(tmp_path / "x.duckdb"), "--threshold", "85",
                                       "--floor", "90"])
    assert result.exit_code == 2 and "--floor" in result.output


def test_cluster_reasons_match_the_single_cluster_rule():
    rng = np.random.default_rng(5)
    n = 400
    meta = pd.DataFrame({"post_id": [f"p{i:03d}" for i in range(n)],
                         "score_quality": rng.choice([70, 80, 90, np.nan], n),
                         "score_freshness": rng.choice([10, 20, np.nan], n),
                         "view_count": rng.choice([5, 50, 500], n)})
    a = rng.integers(0, n, 300)
    b = rng.integers(0, n, 300)
    edges = pd.DataFrame({"post_id_a": meta["post_id"].to_numpy()[a], "post_id_b": meta["post_id"].to_numpy()[b]})
    edges = edges[edges["post_id_a"] != edges["post_id_b"]]
    cl = dup.build_clusters(edges, meta)
    for _cid, members in cl.groupby("cluster_id"):
        m = meta[meta["post_id"].isin(members["post_id"])]
        pid, reason = dup.suggest_canonical(m)
        row = members[members["is_canonical"]].iloc[0]
        assert (row["post_id"], row["reason"]) == (pid, reason)
    assert (cl.groupby("cluster_id")["is_canonical"].sum() == 1).all()


def test_after_import_hook_is_incremental_and_waits_for_a_first_run(corpus_db, small_corpus):
    posts = small_corpus[0]
    with dbmod.session(corpus_db) as con:
        assert dup.after_import(con, 1) is None                 # never ran: nothing to update
        assert con.execute("SELECT count(*) FROM duplicate_runs").fetchall()[0][0] == 0
        dup.refresh(con)
        insert_posts(con, posts.head(2).assign(post_id=lambda d: d["post_id"] + "-again"), batch_id=2)
        summary = dup.after_import(con, 2)
    assert summary["mode"] == "incremental" and summary["compared"] == 2


def test_pairs_between_the_floor_and_the_threshold_are_stored_for_the_slider(db_file, small_corpus):
    """Verification keeps every pair down to the floor (the page's slider range), not only those at or
    above the threshold: a pair planted at ~85 is stored, is no cluster at 90 and one at 80."""
    posts = small_corpus[0].head(300).copy()
    base = posts.iloc[0]
    words = str(base["body"]).split()
    near = base.copy()
    near["post_id"] = "planted-85"
    for share in (0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20):   # rewrite the closing words: 82..88 wanted
        keep = int(len(words) * (1 - share))
        near["body"] = " ".join(words[:keep] + [f"qz{i}" for i in range(len(words) - keep)])
        score = dup.similarity(dup.normalise(base["title"], base["body"]),
                               dup.normalise(near["title"], near["body"]))
        if 82.0 <= score <= 88.0:
            break
    assert 80.0 <= score < 90.0, score
    with dbmod.session(db_file) as con:
        dbmod.ensure_schema(con)
        insert_posts(con, pd.concat([posts, near.to_frame().T], ignore_index=True))
        dup.refresh(con)
        stored = con.execute("SELECT similarity FROM near_duplicates WHERE ? IN (post_id_a, post_id_b) "
                             "AND ? IN (post_id_a, post_id_b)", [base["post_id"], "planted-85"]).fetchall()
        edges = con.execute("SELECT * FROM near_duplicates").df()
    assert stored and 80.0 <= stored[0][0] < 90.0
    meta = pd.concat([posts, near.to_frame().T], ignore_index=True)[
        ["post_id", "site", "title", "status", "score_quality", "score_freshness", "view_count"]]
    at_90 = dup.clusters_at(edges[edges["similarity"] >= 90], meta)
    at_80 = dup.clusters_at(edges[edges["similarity"] >= 80], meta)
    assert "planted-85" not in set(at_90["post_id"]) and "planted-85" in set(at_80["post_id"])
