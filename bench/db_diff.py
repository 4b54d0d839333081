"""Compare two copydesk databases table by table: the check that a faster importer writes the same.

    .venv/bin/python bench/db_diff.py OLD.duckdb NEW.duckdb      # exit 1 when a table differs

Every base table of OLD against the same table of NEW, as multisets of rows (``EXCEPT ALL`` both
ways), every column but the timestamps (when a batch ran: ``imported_at``, ``recorded_at`` ...).
DOUBLE columns are compared to 9 decimals: the quality stage's averages over a parallel join come
out in a different row order from run to run (the old importer's too), which moves their last bits.
Row order is reported separately (``rowid``): the import's own tables (``post_revisions``,
``import_files``, ``quality_signals``) keep it; tables filled by a parallel query do not, even
between two runs of the same importer.
"""

from __future__ import annotations

import sys

import duckdb


def tables(con, catalog: str) -> list[str]:
    return [t for t, in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'main' "
        "AND table_type = 'BASE TABLE' ORDER BY 1", [catalog]).fetchall()]


def columns(con, table: str) -> list[str]:
    rows = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_catalog = 'a' AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()
    return [f'round("{c}", 9)' if ty in ("DOUBLE", "FLOAT") else f'"{c}"' for c, ty in rows if "TIMESTAMP" not in ty]


def main(old: str, new: str) -> int:
    con = duckdb.connect()
    con.execute("ATTACH ? AS a (READ_ONLY)", [old])
    con.execute("ATTACH ? AS b (READ_ONLY)", [new])
    names, differ = tables(con, "a"), 0
    if names != tables(con, "b"):
        print("tables differ:", sorted(set(names) ^ set(tables(con, "b"))))
        differ += 1
    print("| table | rows old | rows new | old − new | new − old | same | rows in another order |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for t in names:
        cols = ", ".join(columns(con, t))

        def count(sql: str) -> int:
            return con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
        a_b = count(f'SELECT {cols} FROM a."{t}" EXCEPT ALL SELECT {cols} FROM b."{t}"')
        b_a = count(f'SELECT {cols} FROM b."{t}" EXCEPT ALL SELECT {cols} FROM a."{t}"')
        moved = count(f'SELECT rowid, {cols} FROM a."{t}" EXCEPT ALL SELECT rowid, {cols} FROM b."{t}"')
        n_a, n_b = count(f'SELECT 1 FROM a."{t}"'), count(f'SELECT 1 FROM b."{t}"')
        same = a_b == b_a == 0 and n_a == n_b
        differ += not same
        print(f"| {t} | {n_a:,} | {n_b:,} | {a_b:,} | {b_a:,} | {'yes' if same else '**NO**'} | {moved:,} |")
    print("\nidentical" if not differ else f"\n{differ} table(s) differ")
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
