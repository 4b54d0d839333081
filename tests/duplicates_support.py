"""Fixtures for the duplicate tests: a small synth corpus and databases built from it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from copydesk import db as dbmod
from copydesk import synth
from sql_support import TESTS

POST_COLS = ["post_id", "site", "title", "body", "status", "view_count", "score_quality", "score_freshness"]


def load_corpus(out: Path) -> tuple[pd.DataFrame, set, set]:
    """(posts with an id, planted pairs, hard negatives) of a generated corpus."""
    posts = pd.read_json(out / "posts.jsonl", lines=True, dtype=False)
    posts = posts[posts["post_id"].notna()].drop_duplicates("post_id", keep="last").reset_index(drop=True)
    truth = pd.read_csv(out / "truth_pairs.csv")
    hard = pd.read_csv(out / "hard_negatives.csv")
    return (posts, set(zip(truth["post_id_a"], truth["post_id_b"])),
            set(zip(hard["post_id_a"], hard["post_id_b"])))


def insert_posts(con, posts: pd.DataFrame, batch_id: int = 1) -> None:
    """Put posts straight into the database as current revisions (what the importer would do)."""
    df = posts[[c for c in POST_COLS if c in posts.columns]].copy()
    df["source_file"] = "fixture"
    df["source_sha256"] = "fixture"
    df["article_hash"] = [hashlib.sha256(f"{t}\n{b}".encode()).hexdigest()
                          for t, b in zip(df["title"].fillna(""), df["body"].fillna(""))]
    df["batch_id"] = batch_id
    df["imported_at"] = pd.Timestamp("2025-01-01")
    con.register("frame", df)
    TESTS.run(con, "insert_posts_frame")
    con.unregister("frame")


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory):
    """1,500 generated posts with every kind of planted duplicate and hard negatives."""
    out = tmp_path_factory.mktemp("dupcorpus")
    synth.generate(out, 1500, seed=11, jsonl=True)
    return load_corpus(out)


@pytest.fixture
def corpus_db(small_corpus, tmp_path, monkeypatch):
    """A database file holding the small corpus's posts; COPYDESK_DB points at it."""
    path = tmp_path / "dups.duckdb"
    monkeypatch.setenv("COPYDESK_DB", str(path))
    with dbmod.session(path) as con:
        dbmod.ensure_schema(con)
        insert_posts(con, small_corpus[0])
    return path


def pairs_at(df: pd.DataFrame, threshold: float = 90.0) -> set:
    sel = df[(df["similarity"] >= threshold)]
    return set(zip(sel["post_id_a"], sel["post_id_b"]))


def precision_recall(found: set, truth: set) -> tuple[float, float]:
    tp = len(found & truth)
    return tp / max(len(found), 1), tp / max(len(truth), 1)
