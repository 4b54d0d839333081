"""Are we keeping up?  Review coverage at past month ends, review throughput and the open queue's
projection, against hand-computed answers.

The fixture is seven posts imported from page dumps (one post in two revisions), one of them on a
site whose policy override keeps posts "aging" up to a year, and a hand-made decision log.  The
expected bands at two month ends were worked out by hand (see each post's comment):

=====  ==============================  ==================  ==================
post   known reviews                   2025-06-30          2025-01-31
=====  ==============================  ==================  ==================
p1     2025-05-01                      fresh (60 d)        unknown (later)
p2     2024-12-15                      stale (197 d)       fresh (47 d)
p3     never                           never               never
p4     2024-06-01 (v1), 2025-06-20     fresh (10 d)        stale (244 d)
p5     2024-09-15, site bytegarden     aging (288 d ≤ 365) aging (138 d)
p6     2024-03-01 + approve 04-10      fresh (81 d)        stale (336 d)
p7     2025-03-31                      aging (91 d)        unknown (later)
=====  ==============================  ==================  ==================
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from copydesk import db as dbmod
from copydesk import queue, trends
from copydesk.freshness import policy_from_dict
from copydesk.importer import import_paths
from test_import import make_page

AS_OF = dt.date(2025, 7, 1)
POLICY = policy_from_dict({"freshness": {"aging_after_days": 90, "stale_after_days": 180},
                           "sites": {"bytegarden": {"stale_after_days": 365}}})
PAGES = {  # n: (version, last reviewed, site)
    1: ("1.0.0", "2025-05-01", "alphanode"),
    2: ("1.0.0", "2024-12-15", "alphanode"),
    3: ("1.0.0", "never", "alphanode"),
    4: ("2.0.0", "2025-06-20", "alphanode"),
    5: ("1.0.0", "2024-09-15", "bytegarden"),
    6: ("1.0.0", "2024-03-01", "alphanode"),
    7: ("1.0.0", "2025-03-31", "alphanode"),
}
DECISIONS = [  # post n, decision, decided at (UTC), extra
    (6, "approve", dt.datetime(2025, 4, 10, 10), {}),                      # a review: p6 fresh again
    (2, "snooze", dt.datetime(2025, 6, 24, 9), {"snooze_until": dt.date(2025, 8, 1)}),   # not a review
    (5, "merge", dt.datetime(2025, 6, 25, 16), {"merge_into": "alphanode-000004"}),
    (1, "needs_edits", dt.datetime(2025, 7, 1, 8), {}),                    # the as-of day: counted
    (3, "snooze", dt.datetime(2025, 7, 2, 8), {"snooze_until": dt.date(2025, 9, 1)}),   # after as_of: not
    (7, "reopen", dt.datetime(2024, 12, 30, 12), {}),                      # before the 26 weeks: not
]


def pid(n: int) -> str:
    return f"alphanode-{n:06d}"


@pytest.fixture(scope="module")
def coverage_db(tmp_path_factory, example_page_bytes_module):
    tmp = tmp_path_factory.mktemp("coverage")
    folder = tmp / "pages"
    folder.mkdir()
    template = example_page_bytes_module.decode("utf-8")
    for n, (version, reviewed, site) in PAGES.items():
        text = make_page(template, n, version=version, reviewed=reviewed, title=f"post {n}")
        (folder / f"p{n}.txt").write_text(text.replace("alphanode post meta", f"{site} post meta"))
    # p4's first revision: an older version, reviewed a year earlier (another file, still live)
    (folder / "p4-old.txt").write_text(make_page(template, 4, version="1.0.0", reviewed="2024-06-01",
                                                 title="post 4, first version"))
    db = tmp / "c.duckdb"
    summary = import_paths([folder], db, workers=1, after_import=False)
    assert summary.imported == 8
    with dbmod.session(db) as con:
        for n, decision, at, extra in DECISIONS:
            queue.record_decisions(con, [pid(n)], decision, "dana", decided_at=at, **extra)
    return db


@pytest.fixture(scope="module")
def example_page_bytes_module():
    from conftest import BUNDLED_EXAMPLE, EXAMPLE_PAGE
    return (EXAMPLE_PAGE if EXAMPLE_PAGE.exists() else BUNDLED_EXAMPLE).read_bytes()


def coverage(db, filters=None) -> pd.DataFrame:
    with dbmod.session(db, read_only=True) as con:
        return trends.run(con, "trends/review_coverage", POLICY, filters or {}, AS_OF, months=24)


def bands_at(cov: pd.DataFrame, month_end: dt.date, site: str | None = None) -> dict:
    rows = cov[(cov["month_end"].dt.date == month_end)
               & (cov["all_sites"] if site is None else (~cov["all_sites"]) & (cov["site"] == site))]
    return {r.band: (int(r.posts), float(r.share)) for r in rows.itertuples()}


def test_the_fixture_is_what_the_table_says(coverage_db):
    with dbmod.session(coverage_db, read_only=True) as con:
        rows = dict(con.execute("SELECT post_id, last_reviewed FROM posts").fetchall())
        revisions = con.execute("SELECT count(*) FROM post_revisions WHERE post_id = ?", [pid(4)]).fetchone()[0]
        sites = dict(con.execute("SELECT post_id, site FROM posts").fetchall())
    assert rows[pid(4)] == dt.date(2025, 6, 20) and rows[pid(3)] is None and revisions == 2
    assert sites[pid(5)] == "bytegarden"


def test_coverage_at_two_month_ends_matches_the_hand_computed_bands(coverage_db):
    cov = coverage(coverage_db)
    june = bands_at(cov, dt.date(2025, 6, 30))
    assert {b: n for b, (n, _) in june.items()} == {"fresh": 3, "aging": 2, "stale": 1, "never": 1}
    assert june["fresh"][1] == pytest.approx(3 / 7, abs=1e-4) and june["aging"][1] == pytest.approx(2 / 7, abs=1e-4)
    january = bands_at(cov, dt.date(2025, 1, 31))
    assert {b: n for b, (n, _) in january.items()} == {"fresh": 1, "aging": 1, "stale": 2, "never": 1, "unknown": 2}
    assert january["unknown"][1] == pytest.approx(2 / 7, abs=1e-4)
    # by site: the override keeps p5 aging at 288 days
    assert bands_at(cov, dt.date(2025, 6, 30), "bytegarden") == {"aging": (1, 1.0)}
    assert {b: n for b, (n, _) in bands_at(cov, dt.date(2025, 6, 30), "alphanode").items()} == \
        {"fresh": 3, "aging": 1, "stale": 1, "never": 1}


def test_coverage_has_24_month_ends_up_to_as_of_and_every_post_each_month(coverage_db):
    cov = coverage(coverage_db)
    ends = sorted(cov["month_end"].dt.date.unique())
    assert len(ends) == 24 and ends[-1] == dt.date(2025, 6, 30) and ends[0] == dt.date(2023, 7, 31)
    totals = cov[cov["all_sites"]].groupby("month_end")["posts"].sum()
    assert set(totals) == {7}
    # an as-of date on a month's last day includes that month end
    with dbmod.session(coverage_db, read_only=True) as con:
        last = trends.run(con, "trends/review_coverage", POLICY, {}, dt.date(2025, 6, 30), months=2)
    assert sorted(last["month_end"].dt.date.unique()) == [dt.date(2025, 5, 31), dt.date(2025, 6, 30)]


def test_coverage_follows_the_filters(coverage_db):
    cov = coverage(coverage_db, {"site": ["bytegarden"]})
    assert set(cov[cov["all_sites"]].groupby("month_end")["posts"].sum()) == {1}


def test_throughput_counts_decisions_per_week_from_the_log(coverage_db):
    with dbmod.session(coverage_db, read_only=True) as con:
        weeks = trends.run(con, "trends/review_throughput", POLICY, {}, AS_OF, weeks=26)
    assert weeks["week"].nunique() == 26 and len(weeks) == 26 * 6           # every week and kind
    assert pd.Timestamp(weeks["week"].min()).date() == dt.date(2025, 1, 6)
    assert pd.Timestamp(weeks["week"].max()).date() == dt.date(2025, 6, 30)
    done = {(pd.Timestamp(r.week).date(), r.decision): r.decisions for r in weeks.itertuples() if r.decisions}
    assert done == {(dt.date(2025, 4, 7), "approve"): 1, (dt.date(2025, 6, 23), "snooze"): 1,
                    (dt.date(2025, 6, 23), "merge"): 1, (dt.date(2025, 6, 30), "needs_edits"): 1}


# --- the open queue's projection ------------------------------------------------------------------

def history(*points) -> pd.DataFrame:
    rows = [{"date": d, "queue_size": q, "source": s} for d, q, s in points]
    return pd.DataFrame(rows, columns=["date", "queue_size", "source"])


def test_projection_at_the_recent_net_rate():
    h = history((dt.date(2025, 5, 1), 900, "import batch 1"), (dt.date(2025, 6, 10), 400, "import batch 2"),
                (dt.date(2025, 6, 20), 380, "import batch 3"), (AS_OF, 300, "now"))
    p = trends.queue_projection(h, AS_OF)
    # the earliest size in the 28 days before 2025-07-01 is 2025-06-10 (400): 100 fewer in 21 days
    assert (p.status, p.since, p.since_size) == ("clears", dt.date(2025, 6, 10), 400)
    assert p.rate_per_day == pytest.approx(100 / 21)
    assert p.clears_on == AS_OF + dt.timedelta(days=63)           # ceil(300 / (100 / 21)) = 63


def test_projection_falls_back_to_the_latest_size_before_the_window_and_refuses_a_growing_queue():
    h = history((dt.date(2025, 3, 1), 500, "import batch 1"), (dt.date(2025, 4, 2), 200, "import batch 2"),
                (AS_OF, 290, "now"))
    p = trends.queue_projection(h, AS_OF)
    assert (p.status, p.since, p.since_size) == ("grows", dt.date(2025, 4, 2), 200)
    assert p.rate_per_day == pytest.approx(-90 / 90) and p.clears_on is None
    assert trends.queue_projection(history((dt.date(2025, 6, 1), 290, "b"), (AS_OF, 290, "now")), AS_OF).status \
        == "flat"
    assert trends.queue_projection(history((AS_OF, 290, "now")), AS_OF).status == "unknown"
    assert trends.queue_projection(history((dt.date(2025, 6, 1), 10, "b"), (AS_OF, 0, "now")), AS_OF).status \
        == "empty"


def test_queue_history_from_the_batch_snapshots():
    batches = pd.DataFrame({"batch_id": [1, 2, 3, 4], "as_of": pd.to_datetime(["2025-06-01", "2025-06-01",
                                                                               "2025-06-15", "2025-07-05"]),
                            "queue_size": [50, 60, None, 80]})
    h = trends.queue_history(batches, 40, AS_OF)
    # the last batch of a day counts; a size not recorded is skipped; later than as_of is left out
    assert h.to_dict("records") == [
        {"date": dt.date(2025, 6, 1), "queue_size": 60, "source": "import batch 2"},
        {"date": AS_OF, "queue_size": 40, "source": "now"}]


def test_coverage_agrees_with_a_direct_count_on_a_synthetic_log(tmp_path):
    """The span-based coverage query against the plain definition (latest known review on or before
    the month end, computed post by post), on 400 synthetic posts and 300 synthetic decisions."""
    from sql_support import BENCH
    from trends_support import make_db
    db = make_db(tmp_path / "s.duckdb", 400, formula_posts=False)
    policy = trends.load_policy()
    with dbmod.session(db) as con:
        BENCH.run(con, "synth_decisions", n=300, posts=400, seed=3)
        cov = trends.run(con, "trends/review_coverage", policy, {}, AS_OF, months=24)
        weeks = trends.run(con, "trends/review_throughput", policy, {}, AS_OF, weeks=26)
        in_window = con.execute("SELECT count(*) FROM review_decisions WHERE decided_at >= DATE '2025-01-06' "
                                "AND decided_at < DATE '2025-07-02'").fetchone()[0]
        direct = dict(con.execute(f"""
            WITH reviews AS (SELECT post_id, last_reviewed AS r FROM post_revisions WHERE last_reviewed IS NOT NULL
                             UNION SELECT post_id, decided_at::DATE FROM review_decisions
                                   WHERE decision IN ('approve', 'needs_edits')),
                 latest AS (SELECT p.post_id, max(r.r) FILTER (WHERE r.r <= DATE '2025-03-31') AS r, count(r.r) AS n
                            FROM posts p LEFT JOIN reviews r USING (post_id) GROUP BY p.post_id)
            SELECT CASE WHEN n = 0 THEN 'never' WHEN r IS NULL THEN 'unknown'
                        WHEN DATE '2025-03-31' - r > {policy.stale_after_days} THEN 'stale'
                        WHEN DATE '2025-03-31' - r >= {policy.aging_after_days} THEN 'aging' ELSE 'fresh' END,
                   count(*)
            FROM latest GROUP BY 1""").fetchall())
    assert int(weeks["decisions"].sum()) == in_window > 0
    assert set(cov[cov["all_sites"]].groupby("month_end")["posts"].sum()) == {400}
    march = {b: n for b, (n, _) in bands_at(cov, dt.date(2025, 3, 31)).items()}
    assert march == direct and set(direct) >= {"fresh", "stale", "never"}
