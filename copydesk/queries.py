"""The query layer: every SQL text copydesk runs is a file under ``queries/``, loaded,
composed and bound here — nowhere else.

**Files and names.**  ``queries/<area>/<stem>.sql``; the path without ``.sql`` is the
query's name (``queries/review/queue_page.sql`` is ``review/queue_page``).  A file starts
with ``-- name: <its name>`` and a one-line ``-- description`` (aiosql style).  A file whose
stem starts with ``_`` is a *fragment*: it cannot run alone (a part has no default, or it
reads a table another statement creates) and only appears inside other queries.

**Directives** (comment lines after the description):

* ``-- part: NAME = area/query`` — ``{{NAME}}`` in the text is that query's SQL (composed
  recursively) unless the caller passes another part;  ``area/query(sub=value)`` composes
  it with its own ``{{sub}}`` set to ``value`` (a CTE name or another query).
* ``-- choose: NAME = a | b | c`` — ``{{NAME}}`` is an identifier chosen from this fixed list
  (the first is the default), e.g. a sort column.  Values are never formatted into SQL.
* ``-- input: relation(column TYPE, ...)`` — a relation the caller registers (a DataFrame or
  Arrow table) before running the query.

**Parameters** are DuckDB named parameters (``$as_of``).  :func:`statement` binds exactly
the parameters the composed text uses (DuckDB rejects extra ones) and refuses to run when
one is missing.  A part may be a :class:`Statement`, whose parameters travel with it.

The benchmarks and tests keep their own SQL in ``bench/sql/`` and ``tests/sql/``: a
:class:`Library` over that folder gives them the same API.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERY_DIR = ROOT / "queries"

_NAME = re.compile(r"^--\s*name:\s*(\S+)\s*$")
_PARAM = re.compile(r"(?<![\w$:])\$([A-Za-z_]\w*)")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_DIRECTIVE = re.compile(r"^--\s*(part|choose|input):\s*(.+?)\s*$")
_PART_REF = re.compile(r"^([\w/]+)\s*(?:\((.*)\))?$")
_IDENT = re.compile(r"^\w+$")
_INCLUDES = object()     # key of the names composed into a statement, collected beside the parameters


class QueryError(Exception):
    """A query that does not exist, is malformed, or was called with missing parts or parameters.

    A programming error, not something a user can cause: it keeps its traceback."""


def strip_comments(sql: str) -> str:
    """The SQL without ``--`` comments (used to find the parameters a text really uses)."""
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def params_of(sql: str) -> list[str]:
    """Named parameters of a SQL text, in order of first appearance."""
    seen: list[str] = []
    for p in _PARAM.findall(strip_comments(sql)):
        if p not in seen:
            seen.append(p)
    return seen


@dataclass(frozen=True)
class Verbatim:
    """SQL text the caller built from quoted identifiers (e.g. a column list): inserted as is."""
    text: str


_TRACE: list[set] = []


@contextmanager
def tracing():
    """``with tracing() as ran:`` — collects the names of the queries executed meanwhile (with the
    queries composed into them); the test that every query runs uses it."""
    ran: set[str] = set()
    _TRACE.append(ran)
    try:
        yield ran
    finally:
        _TRACE.remove(ran)


@dataclass(frozen=True)
class Statement:
    """Composed SQL and the named parameters it uses: ready to execute, or to nest as a part."""
    sql: str
    params: dict = field(default_factory=dict)
    name: str = ""
    includes: frozenset = frozenset()     # the queries composed into it

    def _traced(self) -> None:
        for ran in _TRACE:
            ran.add(self.name)
            ran.update(self.includes)

    def execute(self, con):
        """Run it on a DuckDB connection; returns the cursor."""
        self._traced()
        return con.execute(self.sql, self.params) if self.params else con.execute(self.sql)

    def df(self, con):
        return self.execute(con).df()

    def arrow(self, con):
        """The result as an Arrow table."""
        return self.relation(con).to_arrow_table()

    def relation(self, con):
        """A DuckDB relation (lazy: Arrow output without an extra copy)."""
        self._traced()
        return con.sql(self.sql, params=self.params) if self.params else con.sql(self.sql)

    def reader(self, con, rows: int):
        """A streaming Arrow record-batch reader over the result (``rows`` per batch)."""
        return self.relation(con).to_arrow_reader(rows)

    def scalar(self, con):
        """The first column of the first row (None when there is no row)."""
        rows = self.execute(con).fetchall()     # fetch to the end: DuckDB keeps an unfinished result open
        return rows[0][0] if rows else None


@dataclass(frozen=True)
class Query:
    name: str
    doc: str
    text: str                      # the whole file
    path: Path
    parts: dict                    # placeholder -> (query name, {sub: value}) default
    choices: dict                  # placeholder -> allowed identifiers (first = default)
    inputs: dict                   # relation -> column list text ("" when not given)

    @property
    def fragment(self) -> bool:
        return self.path.stem.startswith("_")

    @cached_property
    def body(self) -> str:
        """The SQL without comment lines and trailing ``;``: what is nested inside other queries."""
        lines = [ln for ln in self.text.strip().splitlines() if not ln.lstrip().startswith("--")]
        return "\n".join(lines).strip().rstrip(";").strip()

    @property
    def params(self) -> list[str]:
        """Named parameters of this file's own text (parts not included)."""
        return params_of(self.text)

    @property
    def placeholders(self) -> list[str]:
        return list(dict.fromkeys(_PLACEHOLDER.findall(self.body)))


def _parse_part(value: str, where: str) -> tuple[str, dict]:
    m = _PART_REF.match(value)
    if not m:
        raise QueryError(f"{where}: bad part reference {value!r}")
    subs = {}
    for item in filter(None, (s.strip() for s in (m.group(2) or "").split(","))):
        key, _, val = item.partition("=")
        if not _IDENT.match(key.strip()) or not val.strip():
            raise QueryError(f"{where}: bad part override {item!r}")
        subs[key.strip()] = val.strip()
    return m.group(1), subs


def parse_file(path: Path, name: str) -> Query:
    """Read one query file and check its header (name = path, a description, directives)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    m = _NAME.match(lines[0]) if lines else None
    if not m:
        raise QueryError(f"{path}: first line must be '-- name: {name}'")
    if m.group(1) != name:
        raise QueryError(f"{path}: its name must be its path, '{name}', not {m.group(1)!r}")
    doc = lines[1][2:].strip() if len(lines) > 1 and lines[1].startswith("--") else ""
    if not doc or _DIRECTIVE.match(lines[1]):
        raise QueryError(f"{path}: second line must be a '-- description'")
    parts, choices, inputs = {}, {}, {}
    for line in lines[2:]:
        if not line.startswith("--"):
            break
        d = _DIRECTIVE.match(line)
        if not d:
            continue
        kind, rest = d.groups()
        if kind == "input":
            rel, _, cols = rest.partition("(")
            inputs[rel.strip()] = cols.rstrip(")").strip()
            continue
        key, eq, value = rest.partition("=")
        key = key.strip()
        if not eq or not _IDENT.match(key):
            raise QueryError(f"{path}: bad directive {line!r}")
        if kind == "part":
            parts[key] = _parse_part(value.strip(), str(path))
        else:
            options = tuple(v.strip() for v in value.split("|") if v.strip())
            if not options or not all(_IDENT.match(o) for o in options):
                raise QueryError(f"{path}: choices must be identifiers: {line!r}")
            choices[key] = options
    q = Query(name=name, doc=doc, text=text, path=path, parts=parts, choices=choices, inputs=inputs)
    unknown = set(q.placeholders) - set(parts) - set(choices)
    if unknown and not q.fragment:
        raise QueryError(f"{path}: placeholders {sorted(unknown)} have no default: name the file "
                         f"'_{path.stem}.sql' (a fragment) or add '-- part:' lines")
    return q


class Library:
    """The queries of one folder (production: ``queries/``; ``bench/sql``, ``tests/sql``)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @cached_property
    def queries(self) -> dict[str, Query]:
        out = {}
        for path in sorted(self.root.rglob("*.sql")):
            name = path.relative_to(self.root).with_suffix("").as_posix()
            out[name] = parse_file(path, name)
        return out

    def get(self, name: str) -> Query:
        try:
            return self.queries[name]
        except KeyError:
            raise QueryError(f"no query named {name!r} in {self.root}") from None

    def compose(self, name: str, parts: dict | None = None, choose: dict | None = None) -> str:
        """The query's SQL with every ``{{placeholder}}`` filled (parts of parts too)."""
        return self._compose(self.get(name), dict(parts or {}), dict(choose or {}), [], ())

    def _render(self, value, parts, choose, collected, stack) -> str:
        if isinstance(value, Statement):
            collected.append(value.params)
            collected.append({_INCLUDES: value.includes | {value.name}})
            return "(" + value.sql + ")"
        if isinstance(value, Verbatim):
            return value.text
        if isinstance(value, Query):
            return "(" + self._compose(value, parts, choose, collected, stack) + ")"
        if isinstance(value, str) and _IDENT.match(value):
            return value
        if isinstance(value, str) and value in self.queries:
            return "(" + self._compose(self.queries[value], parts, choose, collected, stack) + ")"
        raise QueryError(f"a part must be a Statement, a Query, a query name, Verbatim or a CTE name, not {value!r}")

    def _compose(self, q: Query, parts: dict, choose: dict, collected: list, stack: tuple) -> str:
        if q.name in stack:
            raise QueryError(f"query {q.name!r} includes itself via {' -> '.join(stack)}")
        stack = stack + (q.name,)
        collected.append({_INCLUDES: frozenset({q.name})})

        def fill(m):
            key = m.group(1)
            if key in q.choices:
                value = choose.get(key, q.choices[key][0])
                if value not in q.choices[key]:
                    raise QueryError(f"{value!r} is not one of {list(q.choices[key])} ({q.name}: {key})")
                return value
            if key in parts:
                return self._render(parts[key], parts, choose, collected, stack)
            if key in q.parts:
                ref, subs = q.parts[key]
                inner = {**parts, **subs}
                return self._render(self.get(ref), inner, choose, collected, stack)
            raise QueryError(f"query {q.name!r} needs the part {{{{{key}}}}}")
        return _PLACEHOLDER.sub(fill, q.body)

    def statement(self, name: str, params: dict | None = None, *, parts: dict | None = None,
                  choose: dict | None = None) -> Statement:
        """The composed query with exactly the parameters it uses (parts' parameters included)."""
        collected: list[dict] = []
        sql = self._compose(self.get(name), dict(parts or {}), dict(choose or {}), collected, ())
        merged: dict = {}
        includes: set = set()
        for p in collected:
            if _INCLUDES in p:
                includes |= p[_INCLUDES]
            else:
                merged.update(p)
        merged.update(params or {})
        return Statement(sql, bind(sql, merged, name), name, frozenset(includes - {name, ""}))

    def run(self, con, name: str, *, parts: dict | None = None, choose: dict | None = None, **params):
        """Execute a query with named parameters; returns the DuckDB cursor."""
        q = self.get(name)
        if q.fragment and not parts:
            raise QueryError(f"{name!r} is a fragment: compose it into a query")
        return self.statement(name, params, parts=parts, choose=choose).execute(con)


def bind(sql: str, params: dict, name: str = "query") -> dict:
    """Only the parameters ``sql`` names; a :class:`QueryError` when one is missing."""
    names = params_of(sql)
    missing = [n for n in names if n not in params]
    if missing:
        raise QueryError(f"{name} needs parameters {missing}")
    return {n: params[n] for n in names}


LIBRARY = Library(QUERY_DIR)


def all_queries() -> dict[str, Query]:
    """Every production query, keyed by name."""
    return LIBRARY.queries


def get(name: str) -> Query:
    return LIBRARY.get(name)


def compose(name: str, parts: dict | None = None, choose: dict | None = None) -> str:
    return LIBRARY.compose(name, parts, choose)


def statement(name: str, params: dict | None = None, *, parts: dict | None = None,
              choose: dict | None = None) -> Statement:
    return LIBRARY.statement(name, params, parts=parts, choose=choose)


def run(con, name: str, *, parts: dict | None = None, choose: dict | None = None, **params):
    return LIBRARY.run(con, name, parts=parts, choose=choose, **params)


def markdown_table() -> str:
    """The README's table of queries (``copydesk queries --markdown``)."""
    rows = ["| query | kind | description |", "| --- | --- | --- |"]
    for q in all_queries().values():
        rows.append(f"| `{q.name}` | {'fragment' if q.fragment else 'query'} | {q.doc} |")
    return "\n".join(rows)
