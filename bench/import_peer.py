"""The peer of ``copydesk import``: the one-process script a user would write instead.

    .venv/bin/python bench/import_peer.py PAGES_DIR DB

Reads every file, pulls the title, the site and ~20 meta fields with two regexes, builds a
pandas DataFrame and stores it with ``CREATE TABLE posts AS SELECT * FROM df`` in DuckDB.
No ledger, no revisions, no lists, no warnings, no types beyond what pandas infers: the
floor of what an import has to do, written the obvious way (issue 13's side-by-side).
"""

import os
import re
import sys

import duckdb
import pandas as pd

LINE = re.compile(r"^(topic|summary|ai brief|code language|difficulty|reading time|view count|reference|hash)"
                  r"(.*)$", re.M)
BULLET = re.compile(r"^\s*• (quality|freshness|depth|clarity|status|version|last reviewed|source id|generator"
                    r"|paragraphs|scenario|seed|ai generated style|has images|image heavy|needs human review)"
                    r": (.*)$", re.M)
SITE = re.compile(r"^(\S+) post meta$", re.M)


def main(pages: str, db: str) -> None:
    rows = []
    for root, _dirs, files in os.walk(pages):
        for name in files:
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            lines = [ln for ln in text.splitlines()[:4] if ln.strip() and ln.strip() != "| | |"]
            row = {"file": name, "title": lines[0].strip() if lines else None}
            site = SITE.search(text)
            row["site"] = site.group(1) if site else None
            row.update((k, v.strip()) for k, v in LINE.findall(text))
            row.update((k, v.strip()) for k, v in BULLET.findall(text))
            rows.append(row)
    df = pd.DataFrame(rows)
    con = duckdb.connect(db)
    con.execute("CREATE OR REPLACE TABLE posts AS SELECT * FROM df")
    con.close()
    print(len(df))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
