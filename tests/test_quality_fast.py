"""The quality signals computed in C (``copydesk.quality.fast``, ``copydesk/_fastsignals.c``, built by
``make install``) are exactly batch's (``copydesk.quality.batch.Chunk``, itself tested against the
per-post reference): every stored column and the reported sentence texts, on a synthetic corpus with
every irregularity, on the hand-written cases, and on random text made of what the rules look at
(whitespace of every kind, bullets, terminators, closers, cased and uncased non-ASCII letters).  The
process's table of sentences carries over between chunks without changing a result, stays bounded,
and a chunk that fails leaves it as it was."""

from __future__ import annotations

import os
import random
import shutil

import numpy as np
import pyarrow as pa
import pytest

from copydesk.quality import batch, fast, signals, text
from test_quality_batch import HAND_CASES, ODD_SPACES, _synthetic_posts

pytestmark = pytest.mark.skipif(not fast.available() and not os.environ.get("CI") and not shutil.which("cc"),
                                reason="no C compiler: copydesk._fastsignals is not built")


def _columns(chunk) -> dict:
    return {name: column.to_pylist() for name, column in batch.chunk_columns(chunk).items()}


def _texts(chunk) -> dict:
    """hash -> normalised text (FastChunk's texts are lower-cased already: as they are)."""
    hashes, texts = chunk.distinct_sentences()
    lower = (lambda t: t) if chunk.lowered else str.lower
    return dict(zip(hashes.tolist(), map(lower, texts.to_pylist())))


_REPORTED: dict = {}           # what the FastChunks of this module reported (the table reports each once)


def _assert_same(bodies, checklists=None):
    """FastChunk and batch's Chunk agree on every column and on the sentences reported."""
    assert fast.available(), "copydesk._fastsignals is not built: run make install"
    if checklists is None:
        checklists = [None] * len(bodies)
    body_array = pa.array(bodies, pa.large_string())
    lists = pa.array(checklists, pa.list_(pa.string()))
    if fast._c.size() == 0:
        _REPORTED.clear()
    want, got = batch.Chunk(body_array, lists), fast.FastChunk(body_array, lists, report=True)
    want_columns, got_columns = _columns(want), _columns(got)
    for name, values in want_columns.items():
        wrong = [i for i, (a, b) in enumerate(zip(values, got_columns[name])) if a != b]
        assert not wrong, (name, [(bodies[i], values[i], got_columns[name][i]) for i in wrong[:2]])
    # every sentence batch reports, the table reported now or before (and nothing else); a hash
    # comes again only for another text of it (texts differing in case share a hash)
    now = _texts(got)
    assert all(_REPORTED.get(h, t) == t for h, t in now.items())
    _REPORTED.update(now)
    assert {h: _REPORTED.get(h) for h in _texts(want)} == _texts(want)
    assert now.keys() <= _texts(want).keys()
    return got


def test_a_synthetic_corpus_with_every_irregularity_in_chunks(tmp_path):
    bodies, checklists = _synthetic_posts(tmp_path, 1500, seed=23)
    fast._c.reset()
    sentences = 0
    for start in range(0, len(bodies), 400):
        got = _assert_same(bodies[start:start + 400], checklists[start:start + 400])
        sentences += int(got.sentence_count.sum())
    assert sentences > 10_000
    assert fast._c.size() > 1_000                  # the table kept the sentences between chunks


@pytest.mark.parametrize("body,checklist", HAND_CASES)
def test_each_hand_written_case(body, checklist):
    _assert_same([body], [checklist])


def test_the_hand_written_cases_in_one_chunk_twice():
    bodies, checklists = [b for b, _c in HAND_CASES], [c for _b, c in HAND_CASES]
    _assert_same(bodies, checklists)
    _assert_same(bodies, checklists)           # (now every sentence comes from the table)


PIECES = ["word", "Word", "WORDS", "a", "I", "42", "3.14", "next.js", "—", "•", "-", "*", "1.", "12)", "2.x",
          "café", "CAFÉ", "Élan", "ÉTÉ", "straße", "İstanbul", "\u212aelvin", "ΣΊΣΥΦΟΣ", "Это", "中文", "e.g.",
          "\"quoted.\"", "'single.'", "“curly.”", "(aside.)", "[note.]", "end.", "Why?", "Stop!", "...", ".",
          "checklist", "CHECKLIST", "Checkl\u0130st", "CHEC\u212aLIST", ":", ";", "x" * 70, "don't", "O'Neil",
          "\x00", "\ufffd", "_", "__init__", "a_b"]
SPACES = [" ", " ", " ", " ", "  ", "\n", "\n", "\n\n", "\n\n", "\n \n", " \n", "\n  ", "\r\n", "\r", *ODD_SPACES]


def _random_body(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randrange(0, 60)):
        parts.append(rng.choice(PIECES))
        parts.append(rng.choice(SPACES))
    if rng.random() < 0.3:
        parts.insert(0, rng.choice(["- ", "• ", "1. ", "  * ", "Heading\n\n", "My Checklist\n\n", " "]))
    return "".join(parts)


def test_random_text_of_what_the_rules_look_at():
    rng = random.Random(7)
    for _ in range(12):
        bodies = [_random_body(rng) for _ in range(250)]
        checklists = [rng.choice([None, [], ["word", "CAFÉ", " a "], ["checklist"]]) for _ in bodies]
        _assert_same(bodies, checklists)


def test_the_table_is_emptied_beyond_its_bounds_and_results_do_not_change(monkeypatch, tmp_path):
    bodies, checklists = _synthetic_posts(tmp_path, 200, seed=4)
    fast._c.reset()
    first = _columns(fast.FastChunk(bodies, checklists))
    held = fast._c.size()
    assert held > 100
    monkeypatch.setattr(fast, "TABLE_MOST", held - 1)
    second = fast.FastChunk(bodies, checklists)             # emptied first, then filled again
    assert _columns(second) == first and fast._c.size() == held
    monkeypatch.setattr(fast, "TABLE_MOST", 10 * held)
    monkeypatch.setattr(fast, "TABLE_BYTES", 1)
    assert _columns(fast.FastChunk(bodies, checklists)) == first and fast._c.size() == held


def test_a_chunk_that_fails_leaves_the_table_as_it_was(monkeypatch):
    fast._c.reset()
    _assert_same(["Known sentence one. Known sentence two."])
    held = fast._c.size()

    def broken(tokens):
        raise RuntimeError("a bug in a syllable count")
    with pytest.raises(RuntimeError):
        body = "Brändnëw wörds hère. Known sentence one.".encode()       # (tokens the C asks Python to value)
        fast._c.scan(body, np.array([0, len(body)], np.int64), broken, fast._hash_of)
    assert fast._c.size() == held
    with pytest.raises(ValueError):
        fast._c.scan(b"Other words.", np.array([0, 99], np.int64), fast._values_of, fast._hash_of)
    assert fast._c.size() == held
    _assert_same(["Brändnëw wörds hère. Known sentence one.", "Known sentence two."])


def test_the_import_path_computes_the_signals_in_c(monkeypatch):
    """signals.table (what the parser processes run) goes through FastChunk; should it fail on a
    chunk, the one-by-one reference gives the same rows."""
    assert fast.available()
    used = []
    real = fast.FastChunk

    def spy(*args):
        used.append(1)
        return real(*args)
    monkeypatch.setattr(fast, "FastChunk", spy)
    bodies = ["A first post. It has two sentences.", "Heading\n\n- item one\n- item two", None]
    revisions = pa.table({"revision_id": pa.array([1, 2, 3], pa.int64()), "body": pa.array(bodies),
                          "checklist": pa.array([None, ["item one", "three"], None], pa.list_(pa.string()))})
    t = signals.table(revisions)
    assert used == [1]
    one = signals._one_by_one(revisions.column("revision_id"), bodies, [None, ["item one", "three"], None])
    assert t.to_pylist() == one.to_pylist()
    assert t.column("checklist_missing").to_pylist() == [None, ["three"], None]
    assert t.column("word_count").to_pylist() == [text.analyse(b).word_count if b else 0 for b in bodies]


def test_chunks_from_several_threads_at_once_give_what_each_gives_alone():
    """The tables are the process's: threads (the dashboard's imports run in its server process)
    take turns, even while the C calls back into Python for new tokens."""
    from concurrent.futures import ThreadPoolExecutor

    rng = random.Random(11)
    chunks = [[_random_body(rng) for _ in range(120)] for _ in range(8)]
    fast._c.reset()
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda bodies: _columns(fast.FastChunk(bodies)), chunks))
    for bodies, got in zip(chunks, together):
        assert got == _columns(batch.Chunk(pa.array(bodies, pa.large_string())))


def test_an_ascii_tokens_value_in_c_is_text_values_of():
    """The C values an ASCII token from the CMU table as text._values_of does (textstat's word:
    apostrophes but contractions' dropped, then every character but a letter, digit, _ or
    apostrophe; its count in the table, at least one); it leaves to Python what the table lacks."""
    table = text._cmu_syllables()
    fast._c.cmu(table.words, table.words.dtype.itemsize, table.counts)
    rng = random.Random(3)
    alphabet = "abcXYZ'_-.0123tsdvelr\"()!?"
    words = [w.decode() for w in table.words.tolist()]
    apostrophes = [w for w in words if "'" in w]            # ("o'leary", "g'vanni's": the contraction rule)
    tokens = (words[::50] + [w.upper() for w in words[::97]] + apostrophes + [w.title() for w in apostrophes]
              + ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 12))) for _ in range(20_000)]
              + ["don't", "DON'T", "o'neil", "'bout", "rock'n'roll", "it's", "we've", "we'll", "you're", "x'd", "'",
                 "''", "a'", "'ve", "__", "_a_", "x" * 70, "a" * 63 + "'s", "1st", "42", "3.14", "next.js", "e.g.",
                 "Hello,", "(world)", "café"])
    valued = 0
    for token in tokens:
        got = fast._c.token_value(token.encode())
        if got is not None:
            valued += 1
            assert got == text._values_of([token])[0], token
    assert fast._c.token_value("café".encode()) is None          # (not ASCII: Python's)
    assert valued > 3_000


def test_a_process_forked_while_a_thread_computes_a_chunk_starts_afresh():
    """A parser process forked while another thread holds the tables (a chunk halfway through)
    does not wait for a lock nobody will release, nor read half-changed tables: it gets a new
    lock and empty tables, and computes what batch computes."""
    import time

    bodies = ["A post forked halfway. It has words.", "Heading\n\n- item one\n- item two"]
    want = _columns(batch.Chunk(pa.array(bodies, pa.large_string())))
    with fast._LOCK:                                   # (as a thread computing a chunk would)
        pid = os.fork()
        if pid == 0:                                   # the child: must not hang, must be right
            try:
                ok = _columns(fast.FastChunk(bodies)) == want and not fast._LOCK.locked()
            except BaseException:
                ok = False
            os._exit(0 if ok else 1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked process waited for the lock")
    assert os.waitstatus_to_exitcode(status) == 0
