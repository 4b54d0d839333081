"""Compare the parser, the synthetic generator and the importer of a git revision with the working tree's.

    .venv/bin/python bench/parser_diff.py pages  [--rev main] [--corpus DIR ...] [--mutations 20000] [--seed 1]
    .venv/bin/python bench/parser_diff.py import [--rev main] [--posts 20000] [--seed 5] [--workdir DIR]

``pages`` imports ``copydesk/parse.py`` of ``--rev`` (extracted with ``git archive``
into a temporary folder, as the package ``copydesk_rev``) beside the working tree's
and runs both over every page and JSON Lines record of the corpus (default: a fresh
synthetic corpus of 2,000 posts), over ``--mutations`` randomly mutated pages (bullets,
header and footer variants, Unicode spaces, line ends, truncation, byte flips,
encodings, meta keys moved, repeated, unknown or with bad values) and over as many
JSON records built from the parsed rows (aliases, strings for numbers, wrong types,
reserved and unknown keys).  Every column is compared by ``repr`` (type, value, and
key order of nested objects); a rejection compares its reason.

``import`` runs ``copydesk synth`` with both trees (same seed: the files must be
identical byte for byte), then imports that corpus with each tree into its own
database, three times: the corpus, the same again (all unchanged), and after a
fixed sample of files was edited (updated posts, newer revisions).  It then compares
``post_revisions``, ``posts``, ``import_files`` and ``import_batches`` row for row on
every column but the timestamps.

Both print the figures and every difference (the first 20 in full); the exit status
is 1 when anything differs.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from copydesk import parse as parse_new  # noqa: E402
from copydesk.queries import Library, Verbatim  # noqa: E402

SQL = Library(ROOT / "bench" / "sql")
SHOW = 20                     # differences printed in full
TABLES = ("post_revisions", "posts", "import_files", "import_batches")


# =========================================================================== the other revision

def extract(rev: str, dest: Path, paths: tuple[str, ...] = ()) -> str:
    """``git archive`` of ``rev`` (only ``paths`` when given) unpacked into ``dest``; returns the commit."""
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.strip()
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", "--format=tar", commit, *paths], cwd=ROOT,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tf:
        tf.extractall(dest, filter="data")
    return commit


def load_rev_parser(rev: str, tmp: Path):
    """The revision's ``copydesk.parse``, imported as ``copydesk_rev.parse``."""
    commit = extract(rev, tmp / "rev", ("copydesk",))
    (tmp / "rev" / "copydesk").rename(tmp / "rev" / "copydesk_rev")
    sys.path.insert(0, str(tmp / "rev"))
    return importlib.import_module("copydesk_rev.parse"), commit


# =========================================================================== comparing rows

class Diff:
    """Counts what was compared and keeps the differences."""

    def __init__(self) -> None:
        self.inputs = self.fields = 0
        self.by_kind: dict[str, int] = {}
        self.outcomes: dict[str, int] = {}        # clean / with warnings / rejected / error (new parser)
        self.found: list[dict] = []

    def compare(self, kind: str, label: str, old, new) -> None:
        """``old``/``new``: a row dict, or ("rejected", reason) / ("error", text)."""
        self.inputs += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        what = ("with warnings" if new["warnings"] else "clean") if isinstance(new, dict) else new[0]
        self.outcomes[what] = self.outcomes.get(what, 0) + 1
        if isinstance(old, dict) and isinstance(new, dict):
            for col in dict.fromkeys([*old, *new]):
                self.fields += 1
                a, b = repr(old.get(col, "<missing>")), repr(new.get(col, "<missing>"))
                if a != b:
                    self.found.append({"input": label, "kind": kind, "field": col, "old": a[:300], "new": b[:300]})
            return
        self.fields += 1
        if repr(old)[:2000] != repr(new)[:2000]:
            self.found.append({"input": label, "kind": kind, "field": "(outcome)",
                               "old": repr(old)[:300], "new": repr(new)[:300]})

    def report(self, title: str) -> dict:
        figures = {"inputs": self.inputs, "fields_compared": self.fields, "differences": len(self.found),
                   "by_kind": self.by_kind, "outcomes": self.outcomes}
        print(f"{title}: {self.inputs:,} inputs, {self.fields:,} fields compared, "
              f"{len(self.found)} differences")
        print(f"  inputs by kind: {self.by_kind}; outcomes: {self.outcomes}")
        for d in self.found[:SHOW]:
            print(f"  {d['kind']} {d['input']} {d['field']}:\n    old {d['old']}\n    new {d['new']}")
        return figures


def fast_outcome(old, data: bytes):
    """(the rev's ``parse_page`` as revision values, the fast path's) by column, or None when the
    fast path does not take the page (``copydesk.fastpage``: it must be right where it says yes)."""
    from copydesk import fastpage, importer
    fast = fastpage.revision_values(data, "page.txt", "sha", importer._ROW_COLS)
    if fast is None:
        return None
    row = outcome(old, "parse_page", data)
    if isinstance(row, dict):
        row = dict(zip(importer._ROW_COLS, importer.revision_row(row, "page.txt", "sha")))
    return row, dict(zip(importer._ROW_COLS, fast))


def outcome(module, fn: str, value):
    try:
        return getattr(module, fn)(value)
    except module.Rejected as exc:
        return ("rejected", str(exc))
    except Exception as exc:   # a crash must show up as a difference, not stop the run
        return ("error", f"{type(exc).__name__}: {exc}")


# =========================================================================== mutations

_SPACES = ("\u00a0", "\u2009", "\u202f", "\u3000", "\u200b", "\t", "  ")
_BULLETS = ("- ", "* ", "\t", "\t• ", "   -  ", "· ", "‣ ", "▪ ", "◦ ", "•", "  •  ", " ", "  •\t", "-")
_BAD_VALUES = ("n/a", "130", "-4", "2019-02-30", "1e3", "12 min", " 7 minutes", "0x10", "٣", "²", "",
               "never", "1,234,567", "1 234", "1_000", "1'000", "12.0", "+5", "yes", "maybe", "2020-01-05T10:00Z",
               "99999999999999999999", "  ", "null", "1.2.3.4")
_UNKNOWN = ("word count1,250", "canonical urlhttps://example.org/a?b=1", "editor: dana", "published on2020-01-03",
            "hashtags\n  • perf", "reviewers\n  • sam\n  • lee", "colour: blue", "?? what", "topics\n- a\n- b",
            "hash tags", "view counts12", "scores\n  • quality: 5")


def _lines_edit(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    if len(lines) < 2:
        return text
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    op = rng.randrange(6)
    if op == 0:
        lines.insert(j, lines[i])                         # a line repeated (a key twice)
    elif op == 1:
        del lines[i]
    elif op == 2:
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 3:
        lines[i] = lines[i].upper() if rng.random() < 0.5 else lines[i].title()
    elif op == 4:
        lines.insert(j, rng.choice(_UNKNOWN))
    else:
        lines[i] = "  " + lines[i] if rng.random() < 0.5 else lines[i].lstrip()
    return "\n".join(lines)


def _bad_value(rng: random.Random, text: str) -> str:
    keys = ("reading time", "view count", "  • quality: ", "  • freshness: ", "  • last reviewed: ",
            "  • paragraphs: ", "  • seed: ", "  • has images: ", "  • version: ", "  • source id: ")
    key = rng.choice(keys)
    at = text.find(key)
    if at < 0:
        return text
    end = text.find("\n", at)
    end = len(text) if end < 0 else end
    return text[:at + len(key)] + rng.choice(_BAD_VALUES) + text[end:]


def _header(rng: random.Random, text: str) -> str:
    variants = ("POST META", "Post Meta", "post  meta", "post meta:", "post meta ", "Meta", "post meta\n  • x")
    at = text.rfind("post meta")
    if at < 0:
        return text
    op = rng.randrange(4)
    if op == 0:
        return text[:at] + rng.choice(variants) + text[at + 9:]
    if op == 1:                                            # the header line removed
        start = text.rfind("\n", 0, at) + 1
        return text[:start] + text[at + 9:]
    if op == 2:                                            # a second header in the article
        nl = text.find("\n\n", 10)
        return text[:nl] + "\n\nother site post meta\n" + text[nl:] if nl > 0 else text
    return text[:at] + "\u00a0" + text[at:]


def _footer(rng: random.Random, text: str) -> str:
    op = rng.randrange(5)
    if op == 0:
        return text.replace("Similar Posts", "")
    if op == 1:
        return text.replace("Similar Posts", rng.choice(("similar posts", "SIMILAR POSTS", "  Similar Posts  ")))
    if op == 2:
        return text + "\n\nSimilar Posts\n\nanother post title\n\n"
    if op == 3:
        at = text.find("post meta")
        return text[:at] + "Similar Posts\n\n" + text[at:] if at > 0 else text
    return text.replace("| | |", rng.choice(("", "| | | |", "|  |", "| | |\n| | |", " | ")))


def _spaces(rng: random.Random, text: str) -> str:
    chars = list(text)
    spaces = [i for i, c in enumerate(chars) if c == " "]
    for i in rng.sample(spaces, min(len(spaces), rng.randint(1, 30))):
        chars[i] = rng.choice(_SPACES)
    text = "".join(chars)
    at = text.find("view count")
    if at >= 0 and rng.random() < 0.5:
        end = text.find("\n", at)
        sep = rng.choice((",", "_", "'", " ", "\u00a0", "\u202f", "."))
        text = text[:at] + "view count1" + sep + "234" + sep + "567" + text[end:]
    return text


def _line_ends(rng: random.Random, text: str) -> str:
    op = rng.randrange(3)
    if op == 0:
        return text.replace("\n", "\r\n")
    if op == 1:
        return text.replace("\n", "\r")
    return "".join(c + ("\r" if c == "\n" and rng.random() < 0.3 else "") for c in text)


def _bullets(rng: random.Random, text: str) -> str:
    new = rng.choice(_BULLETS)
    if rng.random() < 0.5:
        return text.replace("    • ", new).replace("  • ", new)
    lines = text.split("\n")
    return "\n".join(ln.replace("  • ", new, 1) if rng.random() < 0.3 else ln for ln in lines)


# the bullet styles of the format (list bullet, entity bullet), and near misses of them
_STYLES = (("  - ", "    - "), ("  * ", "    * "), ("\t• ", "\t\t• "), ("  -  ", "    -\t"), ("  *\t", "   * "),
           ("\t•  ", "\t\t•\t"), (" \t• ", "\t \t• "), ("  • - ", "    • * "), ("  -", "    -"), ("\t- ", "\t\t- "))


def _bullet_styles(rng: random.Random, text: str) -> str:
    """Another bullet style in the whole page, or on some lines (the entities' bullets too)."""
    bullet, ebullet = rng.choice(_STYLES)
    if rng.random() < 0.5:
        return text.replace("    • ", ebullet).replace("  • ", bullet)
    lines = text.split("\n")
    return "\n".join(ln.replace("    • ", ebullet, 1).replace("  • ", bullet, 1) if rng.random() < 0.3 else ln
                     for ln in lines)


def _meta_order(rng: random.Random, text: str) -> str:
    """The meta box's blocks (a line not indented and the indented lines after it) in another order,
    some of them moved, or two swapped; sometimes one dropped, repeated or joined to another, or
    unknown keys inserted among them; or some dropped, in order."""
    at = text.rfind("post meta\n")
    end = text.rfind("\nSimilar Posts")
    if at < 0 or end < at:
        return text
    start = text.find("\n", at) + 1
    start += text.startswith("\n", start)                  # (the blank line after the header stays)
    blocks: list[list[str]] = []
    for line in text[start:end].split("\n"):
        if blocks and (not line or line[0] in " \t"):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    op = rng.randrange(9)
    if op == 0:
        rng.shuffle(blocks)
    elif op == 8:                                          # keys missing, the order kept
        for _ in range(rng.randint(1, 3)):
            del blocks[rng.randrange(len(blocks))]
    elif op >= 6:                                          # unknown keys among them (and the order kept or not)
        for _ in range(rng.randint(1, 3)):
            blocks.insert(rng.randrange(len(blocks) + 1), rng.choice(_UNKNOWN).split("\n"))
        if op == 7:
            rng.shuffle(blocks)
    elif op == 1:
        i, j = rng.randrange(len(blocks)), rng.randrange(len(blocks))
        blocks[i], blocks[j] = blocks[j], blocks[i]
    elif op == 2:
        blocks.insert(rng.randrange(len(blocks) + 1), blocks.pop(rng.randrange(len(blocks))))
    elif op == 3:
        rng.shuffle(blocks)
        del blocks[rng.randrange(len(blocks))]
    elif op == 4:
        rng.shuffle(blocks)
        blocks.insert(rng.randrange(len(blocks) + 1), list(rng.choice(blocks)))
    else:
        rng.shuffle(blocks)
        i = rng.randrange(len(blocks) - 1)
        blocks[i:i + 2] = [blocks[i] + [""] + blocks[i + 1]] if rng.random() < 0.5 else [blocks[i] + blocks[i + 1][1:]]
    return text[:start] + "\n".join(line for block in blocks for line in block) + text[end:]


TEXT_MUTATIONS = {"bullets": _bullets, "bullet_styles": _bullet_styles, "meta_order": _meta_order, "header": _header, "footer": _footer,
                  "spaces": _spaces, "line_ends": _line_ends, "lines": _lines_edit, "bad_value": _bad_value}


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def _flip(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        if b:
            b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def _encoding(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    op = rng.randrange(4)
    if op == 0:
        return b"\xef\xbb\xbf" + data
    if op == 1:
        return text.encode("utf-16")
    if op == 2:
        return text.encode("cp1252", "replace")
    return data + bytes(rng.randrange(32) for _ in range(rng.randint(1, 40)))


BYTE_MUTATIONS = {"truncate": _truncate, "byte_flip": _flip, "encoding": _encoding}


def mutate(rng: random.Random, data: bytes) -> tuple[bytes, list[str]]:
    """One to three mutations of a page; returns the bytes and their names."""
    names = rng.sample([*TEXT_MUTATIONS, *BYTE_MUTATIONS], rng.randint(1, 3))
    text_names = [n for n in names if n in TEXT_MUTATIONS]
    if text_names:
        text = data.decode("utf-8", "replace")
        for n in text_names:
            text = TEXT_MUTATIONS[n](rng, text)
        data = text.encode("utf-8", "surrogatepass")
    for n in names:
        if n in BYTE_MUTATIONS:
            data = BYTE_MUTATIONS[n](rng, data)
    return data, names


def _jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def record_from(rng: random.Random, row: dict) -> object:
    """A JSON record built from a parsed row, with aliases, odd types and unknown keys."""
    if rng.random() < 0.02:
        return rng.choice((["a", "list"], "text", 3, None))
    obj = {}
    for col, value in row.items():
        if rng.random() < 0.2:
            continue
        value = _jsonable(value)
        r = rng.random()
        if r < 0.08 and isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:,}"
        elif r < 0.12 and isinstance(value, list):
            value = ", ".join(map(str, value))
        elif r < 0.16 and isinstance(value, bool):
            value = rng.choice(("yes", "no", "maybe", 1, 0, "1"))
        elif r < 0.2:
            value = rng.choice((None, {"k": 1}, [1, "a"], 12.0, 12.5, True, "", " x ", "n/a", "130"))
        key = col
        if col == "post_id" and rng.random() < 0.3:
            key = rng.choice(("id", "source_id"))
        elif col == "content_hash" and rng.random() < 0.3:
            key = "hash"
        obj[key] = value
    if rng.random() < 0.3:
        obj[rng.choice(("mystery", "source_file", "batch_id", "imported_at"))] = {"a": [1, 2]}
    if rng.random() < 0.2:
        obj["extra_meta"] = rng.choice(({"x": 1}, "text", [1]))
    return obj


# =========================================================================== pages mode

def corpus_inputs(paths: list[Path]):
    """(label, kind, value) for every .txt page and every JSON Lines record below ``paths``."""
    for base in paths:
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for f in files:
            if f.suffix == ".txt":
                yield str(f), "page", f.read_bytes()
            elif f.suffix in (".jsonl", ".ndjson"):
                with open(f, "rb") as fh:
                    for n, line in enumerate(fh, 1):
                        if line.strip():
                            try:
                                yield f"{f}:{n}", "record", json.loads(line)
                            except ValueError:
                                pass


def run_pages(args) -> int:
    with tempfile.TemporaryDirectory(prefix="parser-diff-") as tmp:
        old, commit = load_rev_parser(args.rev, Path(tmp))
        corpus = args.corpus
        if not corpus:
            from copydesk.synth import generate
            generate(Path(tmp) / "corpus", args.posts, seed=args.seed, jsonl=True)
            corpus = [Path(tmp) / "corpus" / "pages", Path(tmp) / "corpus" / "posts.jsonl",
                      ROOT / "data" / "example-page.txt"]
        print(f"parser of {args.rev} ({commit[:12]}) vs the working tree")
        t0 = time.perf_counter()
        diff, fast, pages = Diff(), Diff(), []

        def compare_fast(kind: str, label: str, data: bytes) -> None:
            pair = fast_outcome(old, data)
            if pair is not None:
                fast.compare(kind, label, *pair)

        for label, kind, value in corpus_inputs(corpus):
            fn = "parse_page" if kind == "page" else "parse_record"
            diff.compare(f"corpus {kind}", label, outcome(old, fn, value), outcome(parse_new, fn, value))
            if kind == "page":
                compare_fast(f"corpus {kind}", label, value)
            if kind == "page" and len(value) < 200_000 and isinstance(outcome(parse_new, fn, value), dict):
                pages.append((label, value))       # a post: the seed of mutated pages
        if not pages:
            print("no pages in the corpus")
            return 2
        rng = random.Random(args.seed)
        for n in range(args.mutations):
            label, data = rng.choice(pages)
            mutated, names = mutate(rng, data)
            kind = "mutated " + "+".join(sorted(names))
            old_row, new_row = outcome(old, "parse_page", mutated), outcome(parse_new, "parse_page", mutated)
            diff.compare("mutated page", f"{label} #{n} [{kind}]", old_row, new_row)
            compare_fast("mutated page", f"{label} #{n} [{kind}]", mutated)
            base = new_row if isinstance(new_row, dict) else parse_new.parse_page(data)
            record = record_from(rng, base)
            diff.compare("record", f"{label} #{n} (record)", outcome(old, "parse_record", record),
                         outcome(parse_new, "parse_record", record))
        figures = diff.report("parse_page / parse_record")
        fast_figures = fast.report("the fast path (copydesk.fastpage) on the pages it takes, against parse_page")
        print(f"({time.perf_counter() - t0:.1f} s)")
        _save(args, {"mode": "pages", "rev": commit, "mutations": args.mutations, "seed": args.seed, **figures,
                     "fast_path": fast_figures})
        return 1 if diff.found or fast.found else 0


# =========================================================================== import mode

def _python(tree: Path, *argv: str) -> subprocess.CompletedProcess:
    """Run ``python argv`` with ``tree``'s copydesk first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run([sys.executable, *argv], cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"python {' '.join(argv)} failed in {tree} (exit {proc.returncode}):\n"
                         f"{proc.stderr[-3000:]}")
    return proc


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file below ``folder``."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit_sample(pages: Path, seed: int) -> int:
    """Change every 97th page in a way that keeps it a post: a newer version, a sentence, or CRLF."""
    files = sorted(p for p in pages.rglob("*.txt"))
    rng = random.Random(seed)
    for f in files[::97]:
        data = f.read_bytes()
        op = rng.randrange(3)
        if op == 0:
            data = data.replace(b"version: ", b"version: 9", 1)
        elif op == 1:
            data = data.replace(b"\n\n", b"\n\nan added sentence for the diff.\n\n", 1)
        else:
            data = data.replace(b"\n", b"\r\n")
        f.write_bytes(data)
    return len(files[::97])


def compare_databases(rev_db: Path, cur_db: Path) -> tuple[dict, list[str]]:
    import duckdb
    con = duckdb.connect()
    figures, problems = {}, []
    try:
        SQL.run(con, "parser_diff_attach", path=str(rev_db), choose={"db": "rev"})
        SQL.run(con, "parser_diff_attach", path=str(cur_db), choose={"db": "cur"})
        for table in TABLES:
            cols = SQL.run(con, "parser_diff_columns", catalog="cur", table=table).fetchall()
            rev_cols = SQL.run(con, "parser_diff_columns", catalog="rev", table=table).fetchall()
            added = [c for c in cols if c not in rev_cols]
            if [c for c in cols if c in rev_cols] != rev_cols:
                problems.append(f"{table}: columns differ: {rev_cols} vs {cols}")
                continue
            if added:                       # columns this tree adds: noted, the others compared
                print(f"  {table}: columns only in this tree (not compared): {', '.join(c for c, _t in added)}")
            # (not compared: when a batch ran, and when a file was modified: the two synth trees wrote
            # their files at different times)
            kept = [c for c, t in rev_cols if not t.startswith("TIMESTAMP") and c != "source_mtime_ns"]
            col_list = Verbatim(", ".join('"' + c.replace('"', '""') + '"' for c in kept))
            rows = {}
            for a, b in (("rev", "cur"), ("cur", "rev")):
                rows[a] = SQL.run(con, "parser_diff_row_count", choose={"db": a, "tab": table}).fetchall()[0][0]
                only = SQL.run(con, "_parser_diff_rows_only_in", parts={"cols": col_list},
                               choose={"a": a, "b": b, "tab": table}).fetchall()[0][0]
                if only:
                    problems.append(f"{table}: {only} rows only in the {a} database")
            if rows["rev"] != rows["cur"]:
                problems.append(f"{table}: {rows['rev']} rows vs {rows['cur']}")
            figures[table] = {"rows": rows["cur"], "columns_compared": len(kept),
                              "fields_compared": rows["cur"] * len(kept)}
    finally:
        con.close()
    return figures, problems


def run_import(args) -> int:
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    rev_tree = work / "rev-tree"
    commit = extract(args.rev, rev_tree)
    print(f"import of {args.rev} ({commit[:12]}) vs the working tree, {args.posts:,} posts, seed {args.seed}")
    problems: list[str] = []
    corpora = {}
    for side, tree in (("rev", rev_tree), ("cur", ROOT)):
        out = work / f"synth-{side}"
        t0 = time.perf_counter()
        _python(tree, "-m", "copydesk", "synth", str(out), "--posts", str(args.posts), "--seed", str(args.seed))
        corpora[side] = tree_digest(out)
        print(f"  synth with {side}: {len(corpora[side]):,} files ({time.perf_counter() - t0:.1f} s)")
    synth_bytes = sum((work / "synth-cur" / p).stat().st_size for p in corpora["cur"])
    if corpora["rev"] != corpora["cur"]:
        differ = sorted(set(corpora["rev"].items()) ^ set(corpora["cur"].items()))
        problems.append(f"synth output differs in {len(differ)} (file, sha256) entries, e.g. {differ[:3]}")
    pages = work / "synth-cur" / "pages"
    dbs = {side: work / f"import-{side}.duckdb" for side in ("rev", "cur")}
    for db in dbs.values():
        for p in (db, db.with_name(db.name + ".wal")):
            p.unlink(missing_ok=True)
    rounds = ("first import", "re-import (unchanged)", "after editing a sample")
    for n, what in enumerate(rounds):
        if n == 2:
            print(f"  edited {edit_sample(pages, args.seed)} pages")
        for side, tree in (("rev", rev_tree), ("cur", ROOT)):
            t0 = time.perf_counter()
            out = _python(tree, "-m", "copydesk", "import", str(pages), "--db", str(dbs[side]), "--json")
            summary = json.loads(out.stdout[out.stdout.index("{"):])
            print(f"  {what} with {side}: {summary['files_seen']:,} files, {summary['imported']:,} imported, "
                  f"{summary['updated']:,} updated, {summary['unchanged']:,} unchanged, "
                  f"{summary['rejected']:,} rejected ({time.perf_counter() - t0:.1f} s)")
    figures, db_problems = compare_databases(dbs["rev"], dbs["cur"])
    problems += db_problems
    for table, f in figures.items():
        print(f"  {table}: {f['rows']:,} rows x {f['columns_compared']} columns = {f['fields_compared']:,} fields compared")
    total = sum(f["fields_compared"] for f in figures.values())
    print(f"synth: {len(corpora['cur']):,} files, {synth_bytes:,} bytes compared; databases: {total:,} fields "
          f"compared; differences: {len(problems)}")
    for p in problems:
        print("  " + p)
    _save(args, {"mode": "import", "rev": commit, "posts": args.posts, "seed": args.seed,
                 "synth_files": len(corpora["cur"]), "synth_bytes": synth_bytes, "tables": figures,
                 "fields_compared": total, "differences": len(problems), "problems": problems})
    return 1 if problems else 0


def _save(args, result: dict) -> None:
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    pages = sub.add_parser("pages", help="parse_page / parse_record on a corpus and on mutated pages")
    pages.add_argument("--corpus", type=Path, nargs="*", help="folders or files (.txt, .jsonl); "
                       "default: a fresh synth corpus")
    pages.add_argument("--posts", type=int, default=2000, help="posts of the default corpus")
    pages.add_argument("--mutations", type=int, default=20_000)
    imp = sub.add_parser("import", help="synth bytes and whole databases after three imports")
    imp.add_argument("--posts", type=int, default=20_000)
    imp.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "copydesk-parser-diff")
    for p in (pages, imp):
        p.add_argument("--rev", default="main", help="git revision to compare with (default: main)")
        p.add_argument("--seed", type=int, default=1 if p is pages else 5)
        p.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args()
    return run_pages(args) if args.mode == "pages" else run_import(args)


if __name__ == "__main__":
    sys.exit(main())
