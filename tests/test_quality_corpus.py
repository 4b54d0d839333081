"""The quality engine on real DuckDB files after real imports: the post_quality view, template
sentences across the corpus (incremental vs full recompute), sub-scores and findings worked out
by hand, policy changes, and bad input that must not fail an import."""

from __future__ import annotations

import random
import shutil

import duckdb
import pytest

from copydesk import db as dbmod
from copydesk import freshness
from copydesk.importer import import_paths
from copydesk.quality import batch, corpus, fast, signals
from quality_support import page, write

CONTRACT = {
    "post_id": "VARCHAR", "word_count": "INTEGER", "sentence_count": "INTEGER", "paragraph_count": "INTEGER",
    "heading_count": "INTEGER", "list_item_count": "INTEGER", "avg_sentence_words": "DOUBLE",
    "long_sentence_share": "DOUBLE", "flesch_reading_ease": "DOUBLE", "estimated_reading_minutes": "INTEGER",
    "reading_time_gap": "INTEGER", "paragraphs_claimed": "INTEGER", "checklist_missing": "VARCHAR[]",
    "checklist_extra": "VARCHAR[]", "template_share": "DOUBLE", "score_readability": "INTEGER",
    "score_structure": "INTEGER", "score_originality": "INTEGER", "score_consistency": "INTEGER",
    "score_substance": "INTEGER", "computed_quality": "INTEGER", "findings": "VARCHAR[]",
}


def rows(db, where: str = "") -> dict[str, dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(f"SELECT * FROM post_quality {where} ORDER BY post_id")
        names = [d[0] for d in cur.description]
        found = [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()
    return {r["post_id"]: r for r in found}


# --- the view -------------------------------------------------------------------------------------

def test_post_quality_has_the_contract_columns_and_the_example_page_scored_by_hand(tmp_path, example_page_bytes):
    src = tmp_path / "pages"
    src.mkdir()
    (src / "example.txt").write_bytes(example_page_bytes)
    db = tmp_path / "q.duckdb"
    assert import_paths([src], db, workers=1).status == "finished"
    con = duckdb.connect(str(db), read_only=True)
    types = {name: typ for name, typ, *_ in con.execute("DESCRIBE post_quality").fetchall()}
    con.close()
    assert {k: types.get(k) for k in CONTRACT} == CONTRACT
    r = rows(db)["alphanode-006908"]
    # counted by hand (tests/test_quality_text.py): 310 words, 20 sentences, 7 paragraphs ...
    assert (r["word_count"], r["sentence_count"], r["paragraph_count"], r["heading_count"], r["list_item_count"]) \
        == (310, 20, 7, 4, 5)
    assert r["avg_sentence_words"] == pytest.approx(14.15) and r["long_sentence_share"] == pytest.approx(0.1)
    # max(1, ceil(310 / 238)) = 2 minutes; the meta box says 6; the payload claims 6 paragraphs
    assert (r["estimated_reading_minutes"], r["reading_time_gap"], r["paragraphs_claimed"]) == (2, 4, 6)
    assert list(r["checklist_missing"]) == [] and list(r["checklist_extra"]) == []
    assert r["template_share"] == 0.0                    # the only post: nothing is shared
    # readability 100 (ease 62.7 >= 50, 10 % long sentences <= 20 %); structure 100; originality 100;
    # consistency 100 - 30 (reading time 6 vs 2, more than 2 minutes apart; 6 vs 7 paragraphs is within 1);
    # substance 100 (310 >= 300 words); computed = (15*100 + 15*100 + 30*100 + 15*70 + 25*100) / 100 = 95.5 -> 96
    assert (r["score_readability"], r["score_structure"], r["score_originality"], r["score_consistency"],
            r["score_substance"], r["computed_quality"]) == (100, 100, 100, 70, 100, 96)
    assert list(r["findings"]) == ["reading time says 6 min, the text reads in 2"]


def test_a_thin_post_with_wrong_metadata_scored_by_hand(tmp_path):
    body = ("Quick tip\n\n"
            "Restart the worker after you change the queue settings. It picks them up only at start.")
    write(tmp_path / "p", "thin.txt", page("thin-1", body, reading_time=14, paragraphs=6, checklist=["name the owner"]))
    db = tmp_path / "q.duckdb"
    import_paths([tmp_path / "p"], db, workers=1)
    r = rows(db)["thin-1"]
    # heading 2 words + 9 + 7 words; one paragraph of 2 sentences
    assert (r["word_count"], r["sentence_count"], r["paragraph_count"], r["heading_count"]) == (18, 2, 1, 1)
    assert (r["estimated_reading_minutes"], r["reading_time_gap"], r["paragraphs_claimed"]) == (1, 13, 6)
    assert list(r["checklist_missing"]) == ["name the owner"] and list(r["checklist_extra"]) == []
    # readability 100 (short, plain sentences); structure 100 - 25 (a single paragraph); originality 100;
    # consistency 100 - 30 (reading time) - 30 (paragraph claim) - 10 (one checklist item missing) = 30;
    # substance round(100 * 18 / 300) = 6; computed (1500 + 1125 + 3000 + 450 + 150) / 100 = 62.25 -> 62
    assert (r["score_readability"], r["score_structure"], r["score_originality"], r["score_consistency"],
            r["score_substance"], r["computed_quality"]) == (100, 75, 100, 30, 6, 62)
    assert list(r["findings"]) == [
        "reading time says 14 min, the text reads in 1",
        "payload claims 6 paragraphs, the article has 1",
        'checklist item "name the owner" is not in the article',
        "thin: 18 words",
        "a single prose paragraph",
    ]
    assert list(r["finding_codes"]) == ["reading_time", "paragraph_claim", "checklist_missing", "thin",
                                        "single_paragraph"]


def test_hard_to_read_walls_of_text_lose_readability_and_structure(tmp_path):
    long = ("notwithstanding considerable organisational complexity, infrastructural modernisation "
            "initiatives necessitate comprehensive documentation, continuous verification, "
            "methodical experimentation and unambiguous accountability throughout every implementation phase.")
    body = " ".join([long] * 8)         # one paragraph: 8 sentences of 21 words, 168 words, no heading
    write(tmp_path / "p", "wall.txt", page("wall-1", body))
    db = tmp_path / "q.duckdb"
    import_paths([tmp_path / "p"], db, workers=1)
    r = rows(db)["wall-1"]
    assert (r["word_count"], r["sentence_count"], r["long_sentence_share"]) == (168, 8, 1.0)
    assert r["flesch_reading_ease"] < 0
    # readability: 100 - 50 (ease below 0: at most 50) - 50 (100 % long: 80, at most 50) = 0
    # structure: 100 - 25 (single paragraph) - 25 (a paragraph over 150 words); no heading needed under 250 words
    assert (r["score_readability"], r["score_structure"]) == (0, 50)
    assert "a paragraph of 168 words" in r["findings"]
    assert "100% of sentences are over 20 words" in r["findings"]
    assert any(f.startswith("hard to read: Flesch reading ease -") for f in r["findings"])


# --- template sentences ---------------------------------------------------------------------------

B = "this note follows the house style of the team."          # in 7 posts: template (6 others >= 5)
C = "every change is reviewed twice before release."           # in 5 posts (1-5): not template (4 others)


def _template_corpus(folder):
    for i in range(1, 9):
        unique = f"Unique sentence number {i} is only here."
        if i == 2:
            prose = f"{unique} {B} {B} {C}"                     # B repeated: counted per occurrence, once per post
        elif i == 7:
            prose = f"{unique} This  note follows the HOUSE style of the team."   # same once normalised
        elif i == 8:
            prose = f"{unique} Another sentence only post eight has."
        else:
            prose = f"{unique} {B}" + (f" {C}" if i <= 5 else "")
        write(folder, f"p{i}.txt", page(f"t-{i}", f"Heading {i}\n\n{prose}"))


def test_template_share_counts_sentences_held_by_at_least_min_posts_other_posts(tmp_path):
    src = tmp_path / "p"
    _template_corpus(src)
    db = tmp_path / "q.duckdb"
    import_paths([src], db, workers=1)
    r = rows(db)
    share = {pid: row["template_share"] for pid, row in r.items()}
    assert share == pytest.approx({"t-1": 1 / 3, "t-2": 2 / 4, "t-3": 1 / 3, "t-4": 1 / 3, "t-5": 1 / 3,
                                   "t-6": 1 / 2, "t-7": 1 / 2, "t-8": 0.0})
    # "Heading 6" (2 words) + the unique sentence (7) + B (9): 18 words
    assert list(r["t-6"]["findings"]) == ["50% of sentences are template text (each in ≥ 5 other posts)",
                                          "thin: 18 words", "a single prose paragraph"]
    assert r["t-6"]["score_originality"] == 50 and r["t-8"]["score_originality"] == 100
    con = duckdb.connect(str(db), read_only=True)
    boilerplate = con.execute("SELECT sentence, posts, example_post_id FROM template_sentences").fetchall()
    con.close()
    assert [(sentence, posts) for sentence, posts, _example in boilerplate] == [(B, 7)]
    assert boilerplate[0][2] in {f"t-{i}" for i in range(1, 8)}

    # Remove B from two posts: it is then in 5 posts (4 others each) and no longer template text,
    # which changes the share of posts that were not re-imported (t-1 ... t-5).
    write(src, "p6.txt", page("t-6", "Heading 6\n\nUnique sentence number 6 is only here."))
    write(src, "p7.txt", page("t-9", "Heading 9\n\nA post that replaced post seven."))      # t-7 is gone
    s = import_paths([src], db, workers=1)
    assert (s.updated, s.unchanged) == (2, 6)
    r = rows(db)
    assert "t-7" not in r and "t-9" in r
    assert {pid: row["template_share"] for pid, row in r.items()} == pytest.approx(
        {"t-1": 0.0, "t-2": 0.0, "t-3": 0.0, "t-4": 0.0, "t-5": 0.0, "t-6": 0.0, "t-8": 0.0, "t-9": 0.0})
    con = dbmod.open_db(db)
    try:
        assert con.execute("SELECT posts FROM template_sentence_counts WHERE posts >= 5").fetchall() == [(5,), (5,)]
        assert corpus.update(con) == {"analysed": 0, "scored": 0, "flipped": 0, "full": False}   # nothing left to do
        assert con.execute("SELECT count(*) FROM template_sentences").fetchall() == [(0,)]      # B is no longer one
    finally:
        con.close()


def _random_corpus(folder, rng, ids, pool, version="1.0.0"):
    for pid in ids:
        n = rng.randint(1, 6)
        # a few popular sentences (template text) and many rare ones, whose counts cross 1, 2 ... 6
        sentences = [rng.choice(pool[:5] if rng.random() < 0.4 else pool[5:]) for _ in range(n)]
        sentences.append(f"Sentence unique to {pid} in version {version}.")
        paragraphs = [" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)]
        body = "\n\n".join([f"Section on {pid}", *paragraphs])
        write(folder, f"{pid}.txt", page(pid, body, reading_time=rng.randint(1, 9), paragraphs=len(paragraphs),
                                         version=version))


def _state(con):
    counts = con.execute("SELECT sentence_hash, posts FROM template_sentence_counts ORDER BY ALL").fetchall()
    scores = con.execute("SELECT * FROM post_quality ORDER BY post_id").fetchall()
    # the example post too: the first current revision holding the sentence, whichever path found it
    boilerplate = con.execute("SELECT sentence, posts, example_post_id FROM template_sentences ORDER BY ALL").fetchall()
    # every example post is current and holds its sentence
    assert con.execute("""
        SELECT count(*) FROM template_sentences AS t
        WHERE NOT EXISTS (SELECT 1 FROM posts AS p JOIN quality_signals AS s ON s.revision_id = p.revision_id
                          WHERE p.post_id = t.example_post_id AND list_contains(s.sentence_hashes, t.sentence_hash))
        """).fetchall() == [(0,)]
    return counts, scores, boilerplate


def test_incremental_updates_equal_a_full_recompute_after_rewrites_and_deletions(tmp_path):
    rng = random.Random(11)
    pool = [f"Shared sentence number {i} says something." for i in range(65)]
    src = tmp_path / "pages"
    db = tmp_path / "inc.duckdb"
    ids = [f"r-{i:03d}" for i in range(60)]
    _random_corpus(src, rng, ids[:40], pool)
    steps = [
        lambda: _random_corpus(src, rng, ids[40:], pool),                               # new posts
        lambda: _random_corpus(src, rng, rng.sample(ids, 15), pool),                    # rewrites
        lambda: [write(src, f"{pid}.txt", page(f"gone-{pid}", "Replaced\n\nA replacement post."))
                 for pid in rng.sample(ids[:40], 8)],                                    # deletions
        lambda: _random_corpus(src / "v2", rng, rng.sample(ids[40:], 6), pool, "2.0.0"),  # newer revisions
        lambda: shutil.rmtree(src / "v2") or _random_corpus(src / "v3", rng, ids[50:53], pool, "0.1.0"),
    ]
    import_paths([src], db, workers=1)
    for n, step in enumerate(steps):
        step()
        import_paths([src], db, workers=1)
        full = tmp_path / f"full-{n}.duckdb"
        shutil.copy(db, full)
        with dbmod.session(db, read_only=True) as con:
            incremental = _state(con)
        con = dbmod.open_db(full)
        try:
            assert corpus.recompute(con)["full"]
            assert _state(con) == incremental, f"after step {n}"
        finally:
            con.close()
    assert len(incremental[1]) > 50 and any(row[0].startswith("gone-") for row in incremental[1])
    flips = [row for row in incremental[1] if row[14] not in (None, 0.0)]
    assert flips and incremental[2]                         # some template text was found along the way


def test_signals_of_an_older_layout_are_computed_again_with_the_same_outcome(tmp_path):
    """A database whose signals are of version 1 (no distinct_sentences, hashes in text order) gains
    the column when opened, and the next computation analyses every current post again: the counts,
    scores and template sentences are those of a fresh import."""
    src = tmp_path / "p"
    _template_corpus(src)
    fresh, old = tmp_path / "fresh.duckdb", tmp_path / "old.duckdb"
    import_paths([src], fresh, workers=1)
    shutil.copy(fresh, old)
    con = duckdb.connect(str(old))
    con.execute("ALTER TABLE quality_signals DROP COLUMN distinct_sentences")
    con.execute("UPDATE quality_state SET signals_version = 1")
    con.close()
    con = dbmod.open_db(old)
    try:
        assert con.execute("SELECT count(*) FROM quality_signals WHERE distinct_sentences IS NULL").fetchall() == [(8,)]
        assert corpus.update(con) == {"analysed": 8, "scored": 8, "flipped": 1, "full": True}
        assert con.execute("SELECT count(*) FROM quality_signals WHERE distinct_sentences IS NULL").fetchall() == [(0,)]
        again = _state(con)
    finally:
        con.close()
    with dbmod.session(fresh, read_only=True) as con:
        assert _state(con) == again


# --- the policy -----------------------------------------------------------------------------------

def test_a_policy_change_rescores_every_post(tmp_path, monkeypatch):
    src = tmp_path / "p"
    _template_corpus(src)
    db = tmp_path / "q.duckdb"
    import_paths([src], db, workers=1)
    before = rows(db)
    policy = tmp_path / "policy.toml"
    policy.write_text("[quality]\ntemplate_min_posts = 4\n[quality.weights]\noriginality = 0\n", encoding="utf-8")
    monkeypatch.setenv("COPYDESK_POLICY", str(policy))
    con = dbmod.open_db(db)
    try:
        done = corpus.update(con)
    finally:
        con.close()
    assert done["full"] and done["scored"] == 8
    after = rows(db)
    # C (in 5 posts: 4 others) is template text now
    assert after["t-1"]["template_share"] == pytest.approx(2 / 3)
    assert before["t-1"]["template_share"] == pytest.approx(1 / 3)
    assert "each in ≥ 4 other posts" in after["t-1"]["findings"][0]
    # originality weighs nothing: computed = (15 R + 15 St + 15 C + 25 Su) / 70
    r = after["t-8"]
    expected = (15 * r["score_readability"] + 15 * r["score_structure"] + 15 * r["score_consistency"]
                + 25 * r["score_substance"]) / 70
    assert r["computed_quality"] == int(expected + 0.5)


# --- bad input never fails an import ----------------------------------------------------------------

# a page of a title and a meta box: an empty body
TITLE_ONLY = "notes on nothing\n\nalphanode post meta\n\npayload\n  • source id: empty-1\n\nSimilar Posts\n"


def test_bad_bodies_are_imported_with_null_or_zero_signals(tmp_path):
    src = tmp_path / "p"
    write(src, "title-only.txt", TITLE_ONLY)
    write(src, "heading.txt", page("heading-1", "just a heading"))
    write(src, "no-meta.txt", "a post without a meta box\n\nIt has one paragraph. It has two sentences.\n")
    write(src, "russian.txt", page("ru-1", "Это предложение на русском языке. Второе предложение!"))
    big = "\n\n".join(f"Part {i}\n\nThis paragraph repeats the same two sentences. Again and again."
                      for i in range(170_000))
    write(src, "big.txt", page("big-1", big))
    db = tmp_path / "q.duckdb"
    summary = import_paths([src], db, workers=1)
    assert summary.status == "finished" and summary.imported == 5
    r = rows(db)
    assert len(r) == 5 and all(row["computed_quality"] is not None for row in r.values())
    empty = r["empty-1"]
    assert (empty["word_count"], empty["sentence_count"], empty["paragraph_count"]) == (0, 0, 0)
    assert empty["flesch_reading_ease"] is None and empty["template_share"] is None
    assert empty["checklist_missing"] is None and empty["reading_time_gap"] is None
    assert empty["score_originality"] == 0 and empty["score_substance"] == 0
    assert "thin: 0 words" in empty["findings"] and "no prose paragraphs" in empty["findings"]
    heading = r["heading-1"]
    assert (heading["word_count"], heading["heading_count"], heading["sentence_count"]) == (3, 1, 0)
    no_meta = next(row for pid, row in r.items() if pid.startswith("anon-"))
    assert no_meta["sentence_count"] == 2 and no_meta["paragraphs_claimed"] is None
    assert r["ru-1"]["sentence_count"] == 2
    assert r["big-1"]["paragraph_count"] == 170_000
    # the sentences of the big post are all its own: held by one post, no template text
    assert r["big-1"]["template_share"] == 0.0


def test_a_synthetic_corpus_after_import_alone(tmp_path, monkeypatch):
    """2,000 generated posts (where DuckDB 2.0.0 once failed on a join fed by UNNEST): after the
    import alone every post is scored, the boilerplate is found as text, and a full recompute agrees.

    The import takes the template sentences' text from what its parser processes reported
    (``signals.take_pending_texts``), without splitting a body again; the recompute, which has no
    reported texts, splits the example posts: both give the same texts."""
    from copydesk.synth import generate
    generate(tmp_path / "corpus", 2000, seed=5)
    db = tmp_path / "s.duckdb"
    monkeypatch.setattr(signals, "_REPORTED", set())    # (the parser processes fork from this one)
    monkeypatch.setattr(signals, "_PENDING", [])
    fast.forget()                                        # (nor has its table of sentences reported any)
    split_for = []
    real_split = batch.sentence_texts
    monkeypatch.setattr(batch, "sentence_texts",
                        lambda bodies, wanted: split_for.append(len(wanted)) or real_split(bodies, wanted))
    summary = import_paths([tmp_path / "corpus" / "pages"], db)
    assert summary.status == "finished"
    assert split_for == []                               # every text came from the parser processes
    with dbmod.session(db, read_only=True) as con:
        incremental = _state(con)
        unscored = con.execute("SELECT count(*) FROM post_quality WHERE computed_quality IS NULL").fetchall()
        top = con.execute("SELECT sentence, posts FROM template_sentences ORDER BY posts DESC LIMIT 1").fetchall()
    assert unscored == [(0,)] and len(incremental[1]) == summary.posts_total
    assert top and top[0][1] > 100 and top[0][0] == top[0][0].lower()
    assert signals._PENDING == []                        # the stage took them
    full = tmp_path / "full.duckdb"
    shutil.copy(db, full)
    con = dbmod.open_db(full)
    try:
        corpus.recompute(con)
        assert split_for and split_for[0] == len(incremental[2])   # all of them split again, and found
        assert _state(con) == incremental
    finally:
        con.close()


def test_every_point_a_sub_score_loses_has_a_finding(tmp_path):
    """README: every point lost has a finding.  Over a generated corpus plus texts without a sentence
    (a heading alone, a list alone, an empty body) and a short one: each sub-score under 100 has at
    least one finding of its kind (the quality card lists them under the sub-score)."""
    from copydesk.app.quality import SUB_SCORE_FINDINGS
    from copydesk.synth import generate
    generate(tmp_path / "corpus", 300, seed=11)
    src = tmp_path / "corpus" / "pages"
    write(src, "zz-heading.txt", page("heading-1", "just a heading"))
    write(src, "zz-list.txt", page("list-1", "Steps\n\n- one thing\n- another thing"))
    write(src, "zz-empty.txt", TITLE_ONLY)
    short_body = "Setup\n\n" + " ".join(["The worker restarts after each change to the queue settings."] * 20)
    write(src, "zz-short.txt", page("short-1", short_body))
    db = tmp_path / "q.duckdb"
    import_paths([src], db, workers=1)
    r = rows(db)
    unexplained = [(pid, name) for pid, row in r.items() for name, codes in SUB_SCORE_FINDINGS.items()
                   if row[f"score_{name}"] < 100 and not set(codes) & set(row["finding_codes"])]
    assert unexplained == []
    for pid in ("heading-1", "list-1", "empty-1"):
        assert (r[pid]["score_readability"], r[pid]["score_originality"]) == (0, 0)
        assert "no prose sentences" in r[pid]["findings"]
    short = r["short-1"]
    assert short["word_count"] == 1 + 20 * 10 and short["score_substance"] == 67      # round(100 * 201 / 300)
    assert "short: 201 words (substance counts up to 300)" in short["findings"]
    assert not [f for f in short["findings"] if f.startswith("thin")]
    assert all(not any(f.startswith("short:") for f in row["findings"]) for row in r.values()
               if row["score_substance"] == 100)


def test_scores_of_an_earlier_scoring_version_are_computed_again(tmp_path, monkeypatch):
    """A database scored by an earlier version of quality/score_posts is rescored, every post, by the
    next import (from the stored signals): its findings are then the new ones."""
    src = tmp_path / "p"
    write(src, "a.txt", page("heading-1", "just a heading"))
    write(src, "b.txt", page("b-1", "Heading\n\nOne sentence here. And another one."))
    db = tmp_path / "q.duckdb"
    monkeypatch.setattr(corpus, "SCORING_VERSION", 1)
    import_paths([src], db, workers=1)
    with dbmod.session(db) as con:                       # what version 1 had stored: no such finding
        con.execute("UPDATE quality_scores SET findings = [], finding_codes = []")
    monkeypatch.setattr(corpus, "SCORING_VERSION", 2)
    write(src, "c.txt", page("c-1", "Heading\n\nA third post arrives."))
    import_paths([src], db, workers=1)
    r = rows(db)
    assert "no prose sentences" in r["heading-1"]["findings"]      # rescored though not re-imported
    assert r["b-1"]["findings"]
