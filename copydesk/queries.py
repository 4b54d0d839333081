"""Named SQL queries: one file per query in the top-level ``queries/`` folder.

Each file starts with ``-- name: some-name`` and a one-line ``-- description``
(aiosql style).  Parameters are DuckDB named parameters (``$as_of``); values are
never formatted into SQL.  Identifiers that vary (sort columns) must be chosen
from a fixed list by the caller and substituted with :func:`with_identifier`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"

_NAME = re.compile(r"^--\s*name:\s*([\w-]+)\s*$")
_PARAM = re.compile(r"(?<![\w$:])\$([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Query:
    name: str
    doc: str
    sql: str
    path: Path

    @property
    def params(self) -> list[str]:
        """Named parameters the query uses, in order of first appearance."""
        seen: list[str] = []
        for p in _PARAM.findall(_strip_comments(self.sql)):
            if p not in seen:
                seen.append(p)
        return seen


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def _parse(path: Path) -> Query:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    if not lines or not _NAME.match(lines[0]):
        raise ValueError(f"{path}: first line must be '-- name: <query-name>'")
    name = _NAME.match(lines[0]).group(1)
    doc = lines[1][2:].strip() if len(lines) > 1 and lines[1].startswith("--") else ""
    if not doc:
        raise ValueError(f"{path}: second line must be a '-- description'")
    return Query(name=name, doc=doc, sql=text, path=path)


@lru_cache(maxsize=None)
def all_queries() -> dict[str, Query]:
    """Every named query, keyed by name."""
    out: dict[str, Query] = {}
    for path in sorted(QUERY_DIR.glob("*.sql")):
        q = _parse(path)
        if q.name in out:
            raise ValueError(f"duplicate query name {q.name!r} in {path} and {out[q.name].path}")
        out[q.name] = q
    return out


def get(name: str) -> Query:
    try:
        return all_queries()[name]
    except KeyError:
        raise KeyError(f"no query named {name!r} in {QUERY_DIR}") from None


def sql(name: str) -> str:
    return get(name).sql


def with_identifier(sql_text: str, placeholder: str, value: str, allowed: frozenset[str] | set[str]) -> str:
    """Substitute an identifier (e.g. a sort column) chosen from a fixed list."""
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {sorted(allowed)}")
    return sql_text.replace("{{" + placeholder + "}}", value)


def run(con, name: str, **params):
    """Execute a named query with named parameters; returns the DuckDB cursor."""
    q = get(name)
    used = {k: v for k, v in params.items() if k in q.params}
    missing = [p for p in q.params if p not in params]
    if missing:
        raise TypeError(f"query {name!r} needs parameters {missing}")
    return con.execute(q.sql, used) if used else con.execute(q.sql)
