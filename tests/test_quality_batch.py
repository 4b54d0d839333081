"""The chunk computation of the quality signals (copydesk.quality.batch, what the parser processes
run) gives exactly what the per-post reference (copydesk.quality.text.analyse) gives, on a synthetic
corpus and on every hand-written case of tests/test_quality_text.py; a chunk of bad input is
analysed without an exception, and the import stores the signals of every revision it parses."""

from __future__ import annotations

import math
import os
import random
import tempfile

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from copydesk import hooks, importer, synth
from copydesk.importer import import_paths
from copydesk.parse import Rejected, parse_page
from copydesk.quality import batch, fast, signals, text
from sql_support import q

FIELDS = [f for f in text.Signals._fields if f != "sentence_hashes"]


def _same(ref: text.Signals, chunk: batch.Chunk, i: int) -> list[str]:
    got = {
        "word_count": chunk.word_count[i], "sentence_count": chunk.sentence_count[i],
        "paragraph_count": chunk.paragraph_count[i], "heading_count": chunk.heading_count[i],
        "list_item_count": chunk.list_item_count[i], "longest_paragraph_words": chunk.longest_paragraph_words[i],
        "avg_sentence_words": chunk.avg_sentence_words[i], "long_sentence_share": chunk.long_sentence_share[i],
        "flesch_reading_ease": chunk.flesch_reading_ease[i],
        "checklist_missing": chunk.missing_array[i].as_py(), "checklist_extra": chunk.extra_array[i].as_py(),
    }
    wrong = []
    for name in FIELDS:
        want, have = getattr(ref, name), got[name]
        if isinstance(have, float) and math.isnan(have):
            have = None
        if want != (have if not hasattr(have, "item") else have.item()):
            wrong.append(f"{name}: {want!r} != {have!r}")
    if tuple(chunk.hashes_of(i)) != ref.sentence_hashes:
        wrong.append("sentence_hashes")
    return wrong


def _synthetic_posts(tmp_path, posts: int, seed: int) -> tuple[list, list]:
    """(bodies, meta checklists) of the pages of a generated corpus that parse."""
    out = synth.generate(tmp_path / "c", posts, seed=seed)
    bodies, checklists = [], []
    for path in sorted(out.pages_dir.rglob("*.txt")):
        try:
            row = parse_page(path.read_bytes())
        except Rejected:
            continue
        bodies.append(row["body"])
        checklists.append(row["checklist"])
    return bodies, checklists


def test_a_synthetic_corpus_chunk_equals_the_per_post_reference(tmp_path):
    bodies, checklists = _synthetic_posts(tmp_path, 600, seed=5)
    chunk = batch.Chunk(bodies, checklists)
    wrong = {i: w for i in range(len(bodies)) if (w := _same(text.analyse(bodies[i], checklists[i]), chunk, i))}
    assert not wrong, list(wrong.items())[:3]
    assert sum(chunk.sentence_count) > 5_000               # the comparison covered real text


def test_sentence_texts_recovers_the_normalised_text_of_wanted_hashes(tmp_path):
    bodies, _checklists = _synthetic_posts(tmp_path, 300, seed=6)
    chunk = batch.Chunk(bodies, syllables=False)
    truth = {}
    for i in range(chunk.n):
        truth.update(zip(chunk.hashes_of(i), (s.lower() for s in chunk.sentences_of(i))))
    wanted = set(list(truth)[::3]) | {12345}                  # a third of them, and one no body holds
    found = batch.sentence_texts(bodies, wanted)
    assert found == {h: truth[h] for h in wanted if h in truth}
    assert len(found) > 500 and all(t == text.normalise(t) for t in found.values())
    assert batch.sentence_texts(bodies, set()) == {}


HAND_CASES = [
    ("a short heading\n\none two three four five six seven eight\n\none two three four five six seven eight nine\n\n"
     "is this a heading?\n\nnotes:\n\nfirst line\nsecond line\n\nWhy it matters", None),
    ("- a\n- b\n\n* c\n1. d\n2) e\n\n-not a bullet\n- x", None),
    ("next.js — foo_bar __ ... 42 * & café «ok»", None),
    ("a heading\n   \nA paragraph that says one thing.", None),
    ("a heading\r\n\r\nA paragraph. Two sentences.\r\n", None),
    ('A first sentence.\nHe said "stop." Then he left. It worked (mostly.) Then it broke. Dots... and more. Ends. —',
     None),
    ("Cache  rules\tshould be WRITTEN\u00a0down.\u2003Really.", None),
    ("Intro paragraph. It says things.\n\nRelease Checklist\n\n  • Add tests\n  • write docs\n\nOther notes\n\n"
     "- name the owner", ["  name the OWNER ", "add tests", "tag the release"]),
    ("My checklist\n\n- one\n- two", []),
    ("", ["one"]),
    (None, None),
    ("   \n\n  \t", None),
    ("just a heading", ["x"]),
    ("Это предложение на русском языке. Второе предложение!", ["item"]),
    ("这是一个中文句子。没有空格也没有英文句号", None),
    ("\x00\x01 binary-ish \ufffd\ufffd text.", None),
    ("x" * 100_000, None),
    ("Lines\x1cwith\x1fodd\x0bspaces. And\u2028more\x85here.", None),
]


@pytest.mark.parametrize("body,checklist", HAND_CASES)
def test_each_hand_written_case_equals_the_reference(body, checklist):
    chunk = batch.Chunk([body], [checklist])
    assert not _same(text.analyse(body, checklist), chunk, 0)


def test_the_hand_written_cases_in_one_chunk_equal_them_one_by_one():
    chunk = batch.Chunk([b for b, _c in HAND_CASES], [c for _b, c in HAND_CASES])
    for i, (body, checklist) in enumerate(HAND_CASES):
        assert not _same(text.analyse(body, checklist), chunk, i), i


def test_signals_table_of_a_chunk_with_bad_rows_never_raises():
    revisions = pa.table({"revision_id": pa.array([1, 2, 3, 4], pa.int64()),
                          "body": pa.array([None, "", "only a heading", "x" * 1_000_000 + "."]),
                          "checklist": pa.array([None, ["a"], [], None], pa.list_(pa.string()))})
    t = signals.table(revisions)
    assert t.schema == signals.SCHEMA
    assert t.column("word_count").to_pylist() == [0, 0, 3, 1]
    assert t.column("sentence_count").to_pylist() == [0, 0, 0, 1]
    assert t.column("flesch_reading_ease").to_pylist()[:3] == [None, None, None]
    assert t.column("checklist_missing").to_pylist() == [None, ["a"], [], None]


def test_the_import_stores_signals_computed_in_the_parser_processes(tmp_path, monkeypatch):
    out = synth.generate(tmp_path / "c", 300, seed=9)
    db = tmp_path / "q.duckdb"
    computed_after = []
    from copydesk.quality import corpus
    real = signals.compute_missing

    def spy(con, *a, **k):
        computed_after.append(real(con, *a, **k))
        return computed_after[-1]
    monkeypatch.setattr(signals, "compute_missing", spy)
    assert "quality_signals" in hooks.chunk_stages()
    import_paths([out.pages_dir], db, workers=2)
    assert computed_after == [0]              # every current revision came with its signals
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM post_quality WHERE computed_quality IS NULL").fetchall() == [(0,)]
        stored = con.execute("SELECT p.body, p.checklist, s.word_count, s.sentence_hashes, s.distinct_sentences "
                             "FROM posts AS p JOIN quality_signals AS s USING (revision_id) "
                             "ORDER BY p.post_id LIMIT 50").fetchall()
    finally:
        con.close()
    for body, checklist, words, hashes, distinct in stored:
        ref = text.analyse(body, checklist)
        assert (words, tuple(hashes), distinct) == (ref.word_count, *_distinct_first(ref.sentence_hashes))
    assert any(distinct < len(hashes) for *_rest, hashes, distinct in stored)     # the synth corpus repeats sentences
    del corpus


def _distinct_first(hashes: tuple) -> tuple[tuple, int]:
    """The stored layout, written out plainly: the distinct hashes in the order they first occur,
    then the repeats in order; and how many are distinct."""
    distinct = tuple(dict.fromkeys(hashes))
    repeats = tuple(h for i, h in enumerate(hashes) if h in hashes[:i])
    return distinct + repeats, len(distinct)


def test_the_stored_sentence_hashes_hold_the_distinct_ones_first():
    bodies = ["a b. c d. a b. e f. c d. a b.", "", "one two three.", "x y. x y.\n\nx y. z w.", "a b. c d. a b."]
    t = signals.table(pa.table({"revision_id": pa.array(range(len(bodies)), pa.int64()),
                                "body": bodies, "checklist": pa.array([None] * len(bodies), pa.list_(pa.string()))}))
    for body, hashes, distinct in zip(bodies, t.column("sentence_hashes").to_pylist(),
                                      t.column("distinct_sentences").to_pylist()):
        assert (tuple(hashes), distinct) == _distinct_first(text.analyse(body).sentence_hashes)
    assert t.column("distinct_sentences").to_pylist() == [3, 0, 1, 2, 2]
    # the one-by-one path (a chunk that fails in the vectorised kernels) stores the same layout
    one = signals._one_by_one(t.column("revision_id"), bodies, [None] * len(bodies))
    assert one.column("sentence_hashes").to_pylist() == t.column("sentence_hashes").to_pylist()
    assert one.column("distinct_sentences").to_pylist() == [3, 0, 1, 2, 2]


def test_a_process_reports_each_sentence_text_once_and_keeps_what_it_holds_bounded(monkeypatch):
    """chunk_signals reports the (hash, normalised text) of each distinct prose sentence the first
    time this process sees it; the importing process keeps the reports until the quality stage
    takes them, and forgets them (and what it reported) beyond their bounds."""
    monkeypatch.setattr(signals, "_REPORTED", set())
    monkeypatch.setattr(signals, "_PENDING", [])
    fast.forget()                   # (a fresh process: its table of sentences has reported nothing)

    def chunk(first_id, bodies):
        return pa.table({"revision_id": pa.array(range(first_id, first_id + len(bodies)), pa.int64()),
                         "body": pa.array(bodies), "checklist": pa.array([None] * len(bodies), pa.list_(pa.string()))})
    rows, texts = signals.chunk_signals(chunk(1, ["One  Shared.  Two here.", "one shared. Three!",
                                                  "Heading\n\nTwo here."]))
    assert rows.num_rows == 3
    assert sorted(texts.column("sentence").to_pylist()) == ["one shared.", "three!", "two here."]
    assert texts.column("sentence_hash").to_pylist() == [text.sentence_hash(t)
                                                         for t in texts.column("sentence").to_pylist()]
    _, again = signals.chunk_signals(chunk(4, ["Two here. Four now."]))
    assert again.column("sentence").to_pylist() == ["four now."]           # only what is new to the process
    signals.store(_NoDatabase(), (rows.slice(0, 0), texts))
    signals.store(_NoDatabase(), (rows.slice(0, 0), again))
    assert signals.take_pending_texts().num_rows == 4 and signals.take_pending_texts().num_rows == 0
    monkeypatch.setattr(signals, "_PENDING_MOST", 5)
    for _ in range(3):
        signals.store(_NoDatabase(), (rows.slice(0, 0), texts))           # 3 + 3 > 5: the older ones go
    assert signals.take_pending_texts().num_rows == 3
    monkeypatch.setattr(signals, "_REPORTED_MOST", 4)
    _, fresh = signals.chunk_signals(chunk(5, ["Five is new. Six is new."]))    # 4 + 2 > 4: forgotten first
    assert fresh.num_rows == 2 and len(signals._REPORTED) == 2


def test_new_texts_are_the_first_of_each_hash_new_to_the_process_in_order(monkeypatch):
    monkeypatch.setattr(signals, "_REPORTED", {9})
    found = [(np.array([5, 7, 5, 9, 7, 3], dtype=np.uint64), pa.array(["A.", "B.", "a.", "C.", "b.", "D."]), False),
             (np.array([3, 11, 9], dtype=np.uint64), pa.array(["d.", "E.", "c."]), False)]
    t = signals._new_texts(found)
    assert t.column("sentence_hash").to_pylist() == [5, 7, 3, 11]
    assert t.column("sentence").to_pylist() == ["a.", "b.", "d.", "e."]
    assert signals._REPORTED == {9, 5, 7, 3, 11}
    assert signals._new_texts(found).num_rows == 0                 # nothing new the second time


class _NoDatabase:
    """A connection that fails the test if anything is written (an empty signals table is not)."""

    def register(self, *args):
        pytest.fail("nothing to write")


def test_a_failing_chunk_stage_loses_nothing_but_its_result(tmp_path, monkeypatch):
    out = synth.generate(tmp_path / "c", 60, seed=2)

    def broken(revisions):
        raise RuntimeError("a bug in a signal")
    stages = hooks.chunk_stages()
    monkeypatch.setitem(hooks._CHUNK_STAGES, "quality_signals", (broken, *stages["quality_signals"][1:]))
    db = tmp_path / "q.duckdb"
    s = import_paths([out.pages_dir], db, workers=1)
    assert s.status == "finished" and s.imported > 0
    con = duckdb.connect(str(db), read_only=True)
    try:     # the after-import stage computed the signals the chunks lost
        assert con.execute("SELECT count(*) FROM post_quality WHERE computed_quality IS NULL").fetchall() == [(0,)]
    finally:
        con.close()



def test_each_parser_process_loads_the_stage_data_as_it_starts(tmp_path, monkeypatch):
    """hooks.warm_up runs in every parser process as it starts (the stages' data loaded while the
    main process opens the database); a warm-up that fails costs nothing but itself."""
    out = synth.generate(tmp_path / "c", 40, seed=5)
    marks = tmp_path / "warm"
    marks.mkdir()

    def probe():
        (marks / str(os.getpid())).write_text("warm")

    def broken():
        raise RuntimeError("no dictionary")
    monkeypatch.setitem(hooks._WARM, "probe", probe)
    monkeypatch.setitem(hooks._WARM, "broken", broken)
    s = import_paths([out.pages_dir], tmp_path / "w.duckdb", workers=2)
    assert s.status == "finished" and s.files_seen == out.files and s.imported > 0
    pids = {int(p.name) for p in marks.iterdir()}
    assert len(pids) == 2 and os.getpid() not in pids          # the two parser processes, not this one
    for p in marks.iterdir():
        p.unlink()
    import_paths([out.pages_dir], tmp_path / "one.duckdb", workers=1)
    assert not list(marks.iterdir())          # one process: nothing to warm up ahead (first use loads it)


def test_parser_processes_never_collect_what_they_inherited(tmp_path, monkeypatch):
    """The parser processes are forked with this process's objects frozen (``gc.freeze``): their
    collector never walks (nor copies the pages of) what they inherited.  Their warm-up runs with
    the collector off, and this process keeps its collector as it was.  They run a little nicer
    than this process (``hooks.PARSER_NICE``)."""
    import gc

    seen = tmp_path / "gc"
    seen.mkdir()

    def probe():
        (seen / str(os.getpid())).write_text(f"{gc.get_freeze_count()} {gc.isenabled()} {os.nice(0)}")
    monkeypatch.setitem(hooks._WARM, "probe", probe)
    before = gc.get_freeze_count()
    out = synth.generate(tmp_path / "c", 40, seed=5)
    s = import_paths([out.pages_dir], tmp_path / "w.duckdb", workers=2)
    assert s.status == "finished" and s.imported > 0
    found = [p.read_text().split() for p in seen.iterdir()]
    assert len(found) == 2
    for frozen, enabled, nice in found:
        # (this process holds tens of thousands of tracked objects: modules, DuckDB's and Arrow's bindings)
        assert int(frozen) > 10_000 and enabled == "False"
        assert int(nice) == min(19, os.nice(0) + hooks.PARSER_NICE)       # (they yield to this process)
    assert gc.get_freeze_count() == before and gc.isenabled()

def test_a_ten_megabyte_article_in_a_chunk():
    paragraph = ("Large sites need predictable background work. Queues and cron events should be "
                 "idempotent, logged, and safe to run again.")
    body = "\n\n".join(f"Section {i}\n\n{paragraph} Item {i} is unique." for i in range(63_000))
    assert len(body) > 10_000_000
    revisions = pa.table({"revision_id": pa.array([1, 2], pa.int64()), "body": pa.array([body, "A short post."]),
                          "checklist": pa.array([None, None], pa.list_(pa.string()))})
    t = signals.table(revisions)
    assert t.column("heading_count").to_pylist() == [63_000, 0]
    assert t.column("sentence_count").to_pylist() == [189_000, 1]
    assert t.column("word_count").to_pylist() == [63_000 * (2 + 6 + 13 + 4), 3]


def test_a_body_too_long_to_analyse_gets_zeros_and_its_neighbours_their_signals(monkeypatch):
    monkeypatch.setattr(signals, "MAX_BODY_CHARS", 1000)
    monkeypatch.setattr(signals, "SLICE_CHARS", 60)
    bodies = ["First post. It is short.", "word " * 400 + ".", "Third post here.", "A fourth one. Two sentences."]
    revisions = pa.table({"revision_id": pa.array([1, 2, 3, 4], pa.int64()), "body": pa.array(bodies),
                          "checklist": pa.array([None, ["x"], None, None], pa.list_(pa.string()))})
    t = signals.table(revisions)
    assert t.column("revision_id").to_pylist() == [1, 2, 3, 4]
    assert t.column("sentence_count").to_pylist() == [2, 0, 1, 2]
    assert t.column("word_count").to_pylist() == [5, 0, 3, 5]


ODD_SPACES = [c for c in batch._SPACE_CHARS if c not in " \n"]
# characters whose UTF-8 bytes start like an odd space's but are none (U+200B, U+2030, U+00A1, U+1681, U+205E,
# U+3001), and non-ASCII text around them
NEAR_MISSES = "\u200b\u2030\u00a1\u1681\u205e\u3001 café — “quoted” • ’"


def test_the_rows_with_odd_whitespace_are_those_the_regular_expression_finds():
    bodies = [""]
    for c in ODD_SPACES:
        bodies += [c, f"a{c}b", f"{NEAR_MISSES}{c}", f"{c}{NEAR_MISSES}", f"word.{c}\n\nNext one{c}", NEAR_MISSES,
                   "plain ascii text\n\nwith blocks", "x" * (7 + len(bodies) % 9) + c]
    bodies += [NEAR_MISSES * 3, "\x00\x01\x7f", "é", ODD_SPACES[-1]]          # the last byte of the data is odd
    a = pa.array(bodies, pa.large_string())
    for part in (a, a.slice(3), a.slice(5, 40), a.slice(len(a) - 2), a.slice(0, 0)):
        want = pc.match_substring_regex(part, batch._ODD_SPACE).to_numpy(zero_copy_only=False).nonzero()[0]
        assert batch._odd_space_rows(*batch._utf8(part)).tolist() == want.tolist()
    assert len(batch._odd_space_rows(*batch._utf8(a))) == 6 * len(ODD_SPACES) + 1


@pytest.mark.parametrize("space", ODD_SPACES, ids=lambda c: f"U+{ord(c):04X}")
def test_a_chunk_with_each_odd_whitespace_character_equals_the_reference(space):
    bodies = [f"A heading{space}here\n\nFirst sentence.{space}Second{space}one! {NEAR_MISSES} Third?\n\n"
              f"- item{space}one\n-{space}item two",
              "Plain prose. Two sentences.", f"{space}", f"Ends with it.{space}", NEAR_MISSES,
              f"One\r\nline{space}\r\n\r\nTwo. Three."]
    chunk = batch.Chunk(bodies, [None] * len(bodies))
    for i, body in enumerate(bodies):
        assert not _same(text.analyse(body, None), chunk, i), (i, body)


def test_sentence_pieces_collapse_into_the_sentences_the_reference_cuts_on_every_string():
    """Random strings over the characters the cutting looks at (terminators, closers, spaces, line
    feeds, multi-byte letters), in arrays and slices of them: strings that end in a terminator next
    to strings that start with a closer or a space, runs of whitespace, empty strings.  The pieces of
    each string, collapsed, are ``text.sentences_of`` of it (what _sentence_pieces replaces: marking
    the collapsed text and splitting it)."""
    rng = random.Random(7)
    alphabet = [" ", "\n", ".", "?", "!", '"', "'", ")", "]", "”", "’", "a", "é", "x", "\x01", "—"]
    strings = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(6000)]
    strings += ["One.", ") two. Three", "x.", " y. z", "a!", "” b? c", "", "a.      b", "a.\n\n \nb", "a.\"  \n", " ",
                "Hi. " + " " * 12 + "there.\n", '"Stop." He left.  ', "a?!  b", "a.’ b", "a.’’ b"]
    a = pa.array(strings, pa.large_string())
    for part in (a, a.slice(1), a.slice(len(a) // 2), a.slice(len(a) - 3), a.slice(0, 0)):
        pieces, string_of = batch._sentence_pieces(part)
        assert len(pieces) == len(string_of) and pieces.validate(full=True) is None
        got = [[] for _ in range(len(part))]
        for i, sentence in zip(string_of.tolist(), batch._collapsed(pieces).to_pylist()):
            got[i].append(sentence)
        assert got == [text.sentences_of(s) for s in part.to_pylist()]
    assert sum(len(text.sentences_of(s)) > 1 for s in strings) > 600           # many strings had several


def test_collapsed_strings_equal_the_joined_split():
    """Random strings of words, spaces and line feeds anywhere (leading, trailing, in runs)."""
    rng = random.Random(8)
    pieces = [" ", " ", "\n", "a", "Bc", "é", "."]
    strings = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 10))) for _ in range(4000)] + ["", " ", "\n"]
    a = pa.array(strings, pa.large_string())
    for part in (a, a.slice(3, 2000)):
        assert batch._collapsed(part).to_pylist() == [" ".join(s.split()) for s in part.to_pylist()]


def test_lower_hashes_equal_the_sentence_hash_of_the_lower_cased_text():
    """ASCII strings and strings whose other characters have no case (dashes, arrows, quotes, CJK:
    hashed on bytes lower-cased with numpy), and strings whose lower case is Python's own beyond
    ASCII (the dotted capital I, a final sigma, accents, a Deseret capital, a Roman numeral, a
    title-case digraph)."""
    rng = random.Random(9)
    pieces = ["A", "z", "Q", "@", "[", "`", "{", " ", ".", "7", "É", "İ", "ΟΔΟΣ", "ß", "Ω", "—", "→", "–", "’", "é",
              "Ω", "中", "\U0001d41f", "\U00010405", "Ⅻ", "ǅ"]
    strings = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(4000)] + [""]
    a = pa.array(strings, pa.large_string())
    for part in (a, a.slice(11, 2000), a.slice(0, 0)):
        want = [text.sentence_hash(s.lower()) for s in part.to_pylist()]
        got = batch._lower_hashes(part)
        assert got.dtype == np.uint64 and got.tolist() == want


def test_unique_equals_numpy_unique():
    rng = np.random.default_rng(4)
    for values in (rng.integers(0, 50, 1000), rng.integers(-5, 10**12, 300), np.zeros(0, np.int64), np.array([3])):
        assert batch._unique(values).tolist() == np.unique(values).tolist()


def test_prepared_bodies_split_at_double_line_feeds_into_the_blocks_of_the_block_break_expression():
    """Block breaks with spaces (and odd whitespace) are made "\n\n" in the few bodies that have them:
    the blocks are then those the regular expression "\n *\n" cuts the translated body into."""
    rng = random.Random(11)
    alphabet = ["a", " ", " ", "\n", "\n", "\t", "\r", "\u00a0", "é"]
    bodies = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(3000)]
    bodies += ["a \n\nb", "a\n \n \nb", "a\n \n\n\nb", "a\n\n \n\nb", " \n", "a\n \n", "x"]
    prepared = batch._prepared(bodies)
    translated = pa.array([b.replace("\r\n", "\n").replace("\r", "\n").translate({ord(c): " " for c in ODD_SPACES})
                           for b in bodies], pa.large_string())
    assert pc.split_pattern(prepared, "\n\n").equals(pc.split_pattern_regex(translated, "\n *\n"))
    assert len(batch._space_newline_rows(*batch._utf8(pa.array(bodies, pa.large_string())))) > 500
    spaced = pa.array(["a \n", "b\n c", " \nx", "", "y \n"], pa.large_string())
    assert batch._space_newline_rows(*batch._utf8(spaced)).tolist() == [0, 2, 4]


def test_lines_read_from_the_bytes_equal_the_regular_expressions_on_the_split_lines():
    """Random blocks of lines with indentation (deep too), bullets (• * - 1. 12) and near misses,
    trailing spaces, long digit runs and sentence endings: each non-blank line's block, bullet,
    ending and item text are those the expressions give on the lines ``split_pattern`` cuts."""
    rng = random.Random(3)
    pieces = [" ", "  ", "       ", "-", "*", "•", "1", "23", "1234567890", ".", ")", "a", "é", "!", ":", ";", "?",
              "\n", "\n", "—", "+"]
    blocks = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 10))) for _ in range(4000)]
    blocks += ["", "\n", "- a", "  •  item  ", "12. x", "12.x", "•", "-", "1)", " " * 30 + "- deep", "x" + " " * 20,
               "9" * 20 + ". long number", "a:\n\n  ", "• one\n• two\n\n"]
    a = pa.array(blocks, pa.large_string())
    for part in (a, a.slice(7, 2000)):
        lines_l = pc.split_pattern(part, "\n")
        lines = pc.list_flatten(lines_l)
        keep = pc.invert(pc.match_substring_regex(lines, "^ *$"))
        want_block = pc.list_parent_indices(lines_l).to_numpy()[keep.to_numpy(zero_copy_only=False)]
        lines = pc.filter(lines, keep)
        want_bullet = pc.match_substring_regex(lines, batch._IS_BULLET).to_numpy(zero_copy_only=False)
        got = batch._Lines(part)
        assert got.block.tolist() == want_block.tolist()
        assert got.bullet.tolist() == want_bullet.tolist()
        assert got.ends_heading.tolist() == pc.match_substring_regex(lines, batch._ENDS_HEADING).to_pylist()
        listed = pc.filter(lines, pa.array(want_bullet))
        want_items = pc.utf8_trim(pc.replace_substring_regex(listed, batch._BULLET, ""), " ")
        assert got.items(got.bullet).to_pylist() == want_items.to_pylist()
    assert sum(got.bullet) > 100


def test_reading_ease_rounds_like_python_round_on_every_value():
    """Random values, values at and next to every half hundredth (2.675 is 2.67499999... in binary),
    signed zeros, tiny and non-finite values: each exactly ``round(v, 2)``."""
    rng = np.random.default_rng(5)
    values = np.concatenate([rng.normal(60, 40, 100_000), rng.uniform(-1000, 300, 100_000),
                             np.round(rng.uniform(-100, 200, 50_000), 3), np.arange(-20_000, 20_000) / 1000 + 0.005,
                             np.arange(-20_000, 20_000) / 200,
                             [0.125, 0.375, 2.675, 1.005, -0.125, -0.001, 0.0, -0.0, 1e-300, 206.835, np.nan, np.inf]])
    got = batch._round2(values)
    want = np.array([round(v, 2) if np.isfinite(v) else v for v in values.tolist()])
    assert np.array_equal(got, want, equal_nan=True) and np.array_equal(np.signbit(got), np.signbit(want))


def test_checklists_are_compared_per_post_and_case_blind():
    """The same item texts in several posts, items differing only in case (also non-ASCII), repeated
    items, NULL and blank meta items, posts without a meta checklist."""
    body = "Release checklist\n\n- Add tests\n- ÉCRIRE la doc\n- add tests\n- tag\n\nNotes\n\n- tag"
    cases = [(body, ["add TESTS", "écrire LA DOC", None, "  ", "ship it", "ship it"]), (body, None), (body, []),
             ("Checklist\n\n- ship it", ["Add tests"]), ("Checklist\n\n- Add tests\n- tag", ["TAG", "tag"]),
             ("no lists here.", ["x"]), (body, ["tag", "Tag"])]
    chunk = batch.Chunk([b for b, _c in cases], [c for _b, c in cases])
    for i, (b, c) in enumerate(cases):
        assert not _same(text.analyse(b, text._as_list(c)), chunk, i), (i, b, c)         # NULL items dropped


def test_word_counts_read_from_the_bytes_equal_the_tokens_with_a_letter_or_digit():
    """Random strings of tokens: ASCII letters, digits and punctuation, "_", bullets, dashes, accented
    and non-Latin letters, combining marks, symbols, spaces and line feeds anywhere; long tokens that
    do not start with a letter or digit."""
    rng = random.Random(13)
    pieces = [" ", " ", "\n", "a", "Z", "7", "_", "-", "•", "—", "é", "ж", "中", "\u0301", "™", "²", ".", "*", "«",
              "\x01"]
    strings = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    strings += ["", " ", "•", "• item", "_ __", "² ³", "x\ny", "a" * 50]
    # long tokens that do not start with a letter or digit
    strings += ["(" + "b" * 40, "—" * 12, "-" * 30 + "\n" + "_" * 20, "«" * 9 + "é", "(" * 7 + "\n" + "x"]
    a = pa.array(strings, pa.large_string())
    for part in (a, a.slice(9, 3000)):
        want = [sum(1 for t in s.split() if text._HAS_ALNUM.search(t)) for s in part.to_pylist()]
        assert batch._word_counts(part).tolist() == want


def test_spaced_tokens_give_the_words_and_syllables_of_the_split_tokens():
    """Random strings with single and repeated spaces, spaces at either end, empty strings, in an
    array and a slice: per string, the summed token values of the zero-copy spaced tokens equal
    those of split_pattern's tokens."""
    text.warm_up()
    rng = random.Random(17)
    pieces = [" ", " ", "  ", "a", "be", "Cache", "7", ".", "•", "é", "naïve", "x-y"]
    strings = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 10))) for _ in range(3000)] + ["", " ", ""]
    a = pa.array(strings, pa.large_string())
    for part in (a, a.slice(5, 2000), a.slice(3000)):
        tokens, string_of = batch._spaced_tokens(part)
        assert len(tokens) == len(string_of)
        got = np.bincount(string_of, weights=batch._token_values(tokens, trim=True), minlength=len(part))
        toks_l = pc.split_pattern(part, " ")
        want = np.bincount(pc.list_parent_indices(toks_l).to_numpy(),
                           weights=batch._token_values(pc.list_flatten(toks_l)), minlength=len(part))
        assert got.tolist() == want.tolist()


def test_replaced_strings_equal_replace_with_mask():
    """Rows replaced by longer, shorter and empty strings, at the ends too, in an array and a slice."""
    rng = random.Random(21)
    strings = ["".join(rng.choice("ab é\n") for _ in range(rng.randint(0, 9))) for _ in range(500)]
    a = pa.array(strings, pa.large_string())
    for part in (a, a.slice(7, 300)):
        for rows in ([0], [len(part) - 1], [3, 4, 90], sorted(rng.sample(range(len(part)), 60)), []):
            values = pa.array(["x" * rng.randint(0, 30) + "ü" for _ in rows], pa.large_string())
            mask = np.zeros(len(part), bool)
            mask[rows] = True
            want = pc.replace_with_mask(part, pa.array(mask), values) if rows else part
            got = batch._replaced(part, np.array(rows, np.int64), values)
            assert got.validate(full=True) is None and got.to_pylist() == want.to_pylist()


def test_substrings_cut_out_in_order_or_gathered_equal_the_slices():
    """Byte ranges in order (cut as views and taken), touching, empty, at both ends; and out of order
    or overlapping (gathered)."""
    data = np.frombuffer("héllo wörld, some more text — and the end".encode(), np.uint8)
    raw = data.tobytes()
    cases = [([0, 6, 12], [5, 11, 16]), ([0, 5], [5, 10]), ([3, 3], [3, 7]), ([len(raw) - 3], [len(raw)]),
             ([7, 0], [13, 6]), ([0, 3], [6, 13]), ([], [])]
    for start, end in cases:
        got = batch._substrings(data, np.array(start, np.int64), np.array(end, np.int64))
        assert got.to_pylist() == [raw[s:e].decode() for s, e in zip(start, end)]


def test_lower_equals_utf8_lower_on_ascii_and_other_strings():
    rng = random.Random(22)
    pieces = ["A", "b", "Z", "@", "[", "É", "İ", "ΟΔΟΣ", "ß", " ", "-"]
    strings = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(3000)] + [""]
    a = pa.array(strings, pa.large_string())
    for part in (a, a.slice(13, 1000), a.slice(0, 0)):
        assert batch._lower(part).to_pylist() == pc.utf8_lower(part).to_pylist()


def test_rows_of_sorted_positions_equal_the_binary_search_of_each():
    """Fewer and more positions than rows, empty rows among them: each position's row is the one whose
    bytes hold it."""
    rng = np.random.default_rng(23)
    for rows, positions in ((5, 1000), (300, 200), (1000, 50_000)):
        lengths = rng.integers(0, 40, rows)                                  # empty rows too
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        at = np.sort(rng.integers(0, offsets[-1], positions))
        got = batch._row_of_sorted(offsets, at).tolist()
        assert got == batch._row_of(offsets, at).tolist()
        assert got[::7] == [next(r for r in range(rows) if offsets[r] <= p < offsets[r + 1]) for p in at[::7].tolist()]


def test_code_points_and_letter_or_digit_tokens_read_from_the_bytes_equal_python():
    """Tokens of ASCII punctuation, letters and digits, two-, three- and four-byte characters with and
    without a letter or digit (combining marks, symbols, CJK, superscripts, Deseret)."""
    rng = random.Random(24)
    pieces = ["-", "(", "_", "a", "7", "é", "\u0301", "—", "™", "²", "中", "•", "\U00010401", "\U0001f601", "«", "Ⅻ"]
    tokens = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 5))) for _ in range(3000)]
    raw = "".join(tokens).encode()
    data = np.frombuffer(raw, np.uint8)
    lengths = np.array([len(t.encode()) for t in tokens])
    start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    got = batch._has_alnum(data, start, start + lengths)
    assert got.tolist() == [bool(text._HAS_ALNUM.search(t)) for t in tokens]
    leads = batch._leads(data)
    assert batch._code_points(data, leads).tolist() == [ord(c) for c in raw.decode() if ord(c) >= 0x80]


def test_hashes_distinct_first_equal_the_stored_layout(tmp_path):
    """Chunk.hashes_distinct_first (from the chunk's sentence numbering) gives what
    signals.distinct_first gives on the in-order hashes, and chunk_columns stores it: a synthetic
    corpus chunk, the hand-written cases, sentences differing only in case (one hash, two texts), repeats across and
    within posts, posts without a sentence, and a chunk without any."""
    bodies, checklists = _synthetic_posts(tmp_path, 300, seed=9)
    extra = ["Foo bar. foo bar. FOO BAR. Baz qux.", "a b. c d. a b. e f. c d. a b.", "", "no sentence here",
             "x y. x y.\n\nx y. z w.", "Foo bar. Baz qux. foo BAR."]
    chunks = [batch.Chunk(bodies + extra, checklists + [None] * len(extra)),
              batch.Chunk([b for b, _c in HAND_CASES], [c for _b, c in HAND_CASES]),
              batch.Chunk(extra), batch.Chunk(["", "heading only"]), batch.Chunk([])]
    for chunk in chunks:
        in_order = pa.ListArray.from_arrays(pa.array(chunk.sentence_offsets, pa.int32()),
                                            pa.array(chunk.hashes, pa.uint64()))
        want = signals.distinct_first(in_order)
        got = chunk.hashes_distinct_first()
        assert got[0].equals(want[0]) and got[1].equals(want[1])
        columns = batch.chunk_columns(chunk)                 # the columns stored are those
        assert columns["sentence_hashes"].equals(want[0]) and columns["distinct_sentences"].equals(want[1])
    assert chunks[2].hashes_distinct_first()[1].to_pylist() == [2, 3, 0, 0, 2, 2]


def test_many_replaced_rows_take_the_kernel_and_equal_it_too():
    strings = [f"row {i}" for i in range(300)]
    a = pa.array(strings, pa.large_string())
    rows = np.arange(0, 300, 2)                                       # more than _replaced splices itself
    values = pa.array([f"new {i}" for i in rows.tolist()], pa.large_string())
    got = batch._replaced(a, rows, values).to_pylist()
    assert got == [f"new {i}" if i % 2 == 0 else f"row {i}" for i in range(300)]


def _signals_of(db, current: bool = False) -> list:
    return q(db, "SELECT * FROM quality_signals" + (" SEMI JOIN posts USING (revision_id)" if current else "")
             + " ORDER BY revision_id")


def test_held_back_signals_are_computed_by_the_parser_processes_and_stored_by_the_import(tmp_path, monkeypatch):
    """With two parser processes the signals of parsed parts are held back and handed over as tasks
    of their own (one task for all those held when a commit is due): chunks of 40 files in parts of
    15, commits every 100 files, so parts are held across chunks and commits.  Every revision gets
    exactly the signals of a one-process import, stored by the import itself (the after-import stage
    computes none), and no spill file is left behind."""
    out = synth.generate(tmp_path / "c", 400, seed=4)
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    monkeypatch.setattr(importer, "CHUNK_SIZE", 40)
    import_paths([out.pages_dir], one, workers=1)
    monkeypatch.setattr(importer, "PART_FILES", 15)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(importer, "SHM_NEEDED", 2**62)       # spill files in tmp_path, where they can be seen
    handed, computed_after = [], []
    real_hold, real_missing = importer._ImportRun._hold, signals.compute_missing

    def hold(run, parts, most):
        handed.append((len(run.held) + len(parts), most))
        return real_hold(run, parts, most)
    monkeypatch.setattr(importer._ImportRun, "_hold", hold)

    def missing(con, *a, **k):
        computed_after.append(real_missing(con, *a, **k))
        return computed_after[-1]
    monkeypatch.setattr(signals, "compute_missing", missing)
    s = import_paths([out.pages_dir], two, workers=2, batch_size=100)
    assert s.status == "finished" and computed_after == [0]
    assert any(most == 0 and held > 1 for held, most in handed)        # several parts handed over at a commit
    assert any(most > 0 and held > 0 for held, most in handed)          # and parts held while parsing
    rows = _signals_of(two)
    assert rows == _signals_of(one) and len(rows) == s.imported
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("copydesk-import-")]


def test_held_back_signals_that_fail_are_computed_after_the_import(tmp_path, monkeypatch):
    out = synth.generate(tmp_path / "c", 120, seed=6)
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    monkeypatch.setattr(importer, "CHUNK_SIZE", 20)
    import_paths([out.pages_dir], one, workers=1)
    stages = hooks.chunk_stages()
    real = stages["quality_signals"][0]

    def flaky(revisions):             # a bug in a signal on some parts
        if revisions.column("revision_id")[0].as_py() % 2:
            raise RuntimeError("a bug in a signal")
        return real(revisions)
    monkeypatch.setitem(hooks._CHUNK_STAGES, "quality_signals", (flaky, *stages["quality_signals"][1:]))
    monkeypatch.setattr(importer, "PART_FILES", 7)
    s = import_paths([out.pages_dir], two, workers=2)
    assert s.status == "finished"
    # the after-import stage computed the lost signals of the current revisions (only theirs count)
    assert _signals_of(two, current=True) == _signals_of(one, current=True)
    assert len(_signals_of(two)) < len(_signals_of(one))          # the test did lose some


def test_held_back_signals_that_cannot_be_stored_after_the_last_commit_leave_the_import_finished(tmp_path, monkeypatch):
    """The last held-back signals are stored after the import's last commit; should that fail (a
    database error), the import is still finished and the after-import stage computes them."""
    out = synth.generate(tmp_path / "c", 80, seed=8)
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    import_paths([out.pages_dir], one, workers=1)
    monkeypatch.setattr(importer, "DEFER_SHARE", 1.0)          # every part held until the last commit
    committed, failed = [], []
    real_commit = importer._ImportRun._commit

    def commit(run, last=False, **kw):
        real_commit(run, last, **kw)
        committed.append(last)
    stages = hooks.chunk_stages()
    real_store = stages["quality_signals"][1]

    def store(con, result):
        if committed and committed[-1]:
            failed.append(result)
            raise duckdb.IOException("disk full")
        return real_store(con, result)
    monkeypatch.setattr(importer._ImportRun, "_commit", commit)
    monkeypatch.setitem(hooks._CHUNK_STAGES, "quality_signals", (stages["quality_signals"][0], store))
    s = import_paths([out.pages_dir], two, workers=2)
    assert s.status == "finished" and failed
    assert _signals_of(two, current=True) == _signals_of(one, current=True)
