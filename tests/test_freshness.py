"""Freshness policy: the settings file, the decay and bands computed in SQL, overrides, drift, filters."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from copydesk import db as dbmod
from copydesk import freshness, queue
from copydesk.freshness import Policy, PolicyError, load_policy, policy_from_dict
from review_support import AS_OF, build_db, post_row

ROOT = freshness.ROOT


def fresh_rows(path, policy=None, filters=None, as_of=AS_OF):
    stmt = freshness.statement(policy or Policy(), filters or {}, as_of)
    with dbmod.session(path, read_only=True) as con:
        df = stmt.df(con)
    return {r["post_id"]: r for r in df.to_dict("records")}


# --- the settings file ------------------------------------------------------------------

def test_default_policy_file_is_loaded_and_matches_its_text(monkeypatch):
    monkeypatch.delenv("COPYDESK_POLICY", raising=False)
    data = tomllib.loads((ROOT / "policy.toml").read_text())
    pol = load_policy()
    assert pol.source.endswith("policy.toml")
    assert pol.half_life_days == data["freshness"]["half_life_days"]
    assert pol.stale_after_days == data["freshness"]["stale_after_days"] == 180
    assert pol.aging_after_days == data["freshness"]["aging_after_days"]
    assert pol.drift_margin == data["freshness"]["drift_margin"]
    assert (pol.score_good, pol.score_watch) == (data["scores"]["good"], data["scores"]["watch"]) == (80, 60)
    assert pol.severity == {**pol.severity, **data["priority"]["severity"]}
    # the built-in defaults and the shipped file agree, so deleting the file changes nothing
    assert freshness.describe(pol)[1:] == freshness.describe(Policy())[1:]


def test_env_variable_points_at_another_policy(tmp_path, monkeypatch):
    f = tmp_path / "p.toml"
    f.write_text('[freshness]\nhalf_life_days = 30\nstale_after_days = 60\naging_after_days = 20\n'
                 '[stacks."Next.js"]\nstale_after_days = 10\naging_after_days = 5\n'
                 '[sites.beta]\nhalf_life_days = 400\n[scores.depth]\nwatch = 40\n')
    monkeypatch.setenv("COPYDESK_POLICY", str(f))
    pol = load_policy()
    assert (pol.half_life_days, pol.stale_after_days, pol.source) == (30, 60, str(f))
    assert pol.stacks["next.js"]["stale_after_days"] == 10
    assert pol.watch("depth") == 40 and pol.watch("quality") == 60
    assert any("override stack 'next.js'" == k for k, _ in freshness.describe(pol))


@pytest.mark.parametrize("text, message", [
    ("[freshness]\nhalf_life_days = 0\n", "half_life_days"),
    ("[freshness]\nstale_after_days = 'soon'\n", "stale_after_days"),
    ("[freshness]\nstale_days = 3\n", "unknown key"),
    ("[freshness]\naging_after_days = 300\n", "aging_after_days is above"),
    ("[scores]\ngood = 50\nwatch = 70\n", "watch"),
    ("[priority.severity]\nbogus = 1\n", "unknown reason"),
    ("[whatever]\na = 1\n", "unknown section"),
    ("not toml at all [", "p.toml"),
])
def test_invalid_policy_is_refused_with_a_reason(tmp_path, text, message):
    f = tmp_path / "p.toml"
    f.write_text(text)
    with pytest.raises(PolicyError, match=message):
        load_policy(f)


def test_missing_explicit_policy_file_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("COPYDESK_POLICY", str(tmp_path / "nope.toml"))
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy()


# --- freshness in SQL ----------------------------------------------------------------------

def test_sql_freshness_and_bands_match_the_documented_formula(db_file):
    pol = Policy()
    ages = [0, 1, 45, pol.aging_after_days - 1, pol.aging_after_days, 120, pol.stale_after_days,
            pol.stale_after_days + 1, 365, 812, int(pol.half_life_days), 4000]
    rows = [post_row(f"p-{a}", last_reviewed=AS_OF - dt.timedelta(days=a)) for a in ages]
    rows += [post_row("never", last_reviewed=None), post_row("future", last_reviewed=AS_OF + dt.timedelta(days=9))]
    build_db(db_file, rows)
    got = fresh_rows(db_file, pol)
    for a in ages:
        r = got[f"p-{a}"]
        assert r["review_age_days"] == a
        assert r["computed_freshness"] == freshness.computed_freshness(a, pol.half_life_days)
        assert r["band"] == freshness.band(a, pol.aging_after_days, pol.stale_after_days)
    assert got[f"p-{pol.stale_after_days}"]["band"] == "aging"        # stale means *older than* the limit
    assert got[f"p-{pol.stale_after_days + 1}"]["band"] == "stale"
    assert got["p-0"]["computed_freshness"] == 100
    assert got[f"p-{int(pol.half_life_days)}"]["computed_freshness"] == 50
    assert got["never"]["band"] == "never" and got["never"]["computed_freshness"] == 0
    assert got["future"]["review_age_days"] == 0 and got["future"]["band"] == "fresh"


def test_as_of_replays_the_past(db_file):
    build_db(db_file, [post_row("a", last_reviewed=dt.date(2024, 1, 1))])
    then = fresh_rows(db_file, as_of=dt.date(2024, 3, 1))["a"]
    now = fresh_rows(db_file, as_of=dt.date(2025, 3, 1))["a"]
    assert (then["review_age_days"], then["band"]) == (60, "fresh")
    assert (now["review_age_days"], now["band"]) == (425, "stale")
    assert then["computed_freshness"] > now["computed_freshness"]


def test_site_and_stack_overrides(db_file):
    pol = policy_from_dict({
        "sites": {"Beta": {"stale_after_days": 400, "aging_after_days": 300}},
        "stacks": {"next.js": {"stale_after_days": 60, "half_life_days": 30, "aging_after_days": 30},
                   "rust": {"stale_after_days": 100}},
    })
    age = 120
    when = AS_OF - dt.timedelta(days=age)
    build_db(db_file, [
        post_row("plain", last_reviewed=when, stack=["python"]),
        post_row("fast", last_reviewed=when, stack=["Next.js", "frontend"]),
        post_row("beta", site="beta", last_reviewed=when),
        post_row("beta-fast", site="beta", last_reviewed=when, stack=["next.js"]),
        post_row("two", last_reviewed=when, stack=["rust", "next.js"]),
    ])
    got = fresh_rows(db_file, pol)
    assert got["plain"]["band"] == "aging" and got["plain"]["stale_after_days"] == 180
    assert got["fast"]["band"] == "stale" and got["fast"]["half_life_days"] == 30
    assert got["fast"]["computed_freshness"] == freshness.computed_freshness(age, 30)
    assert got["beta"]["band"] == "fresh" and got["beta"]["stale_after_days"] == 400
    assert got["beta-fast"]["stale_after_days"] == 60                    # stack beats site
    assert got["two"]["stale_after_days"] == 60                          # the strictest stack wins
    for pid, r in got.items():                                          # the Python mirror agrees
        row = next(x for x in [("plain", "alphanode", ["python"]), ("fast", "alphanode", ["Next.js"]),
                               ("beta", "beta", []), ("beta-fast", "beta", ["next.js"]),
                               ("two", "alphanode", ["rust", "next.js"])] if x[0] == pid)
        assert pol.rule_for(row[1], row[2])["stale_after_days"] == r["stale_after_days"]


def test_drift_between_recorded_and_computed_freshness(db_file):
    pol = Policy(half_life_days=180)
    when = AS_OF - dt.timedelta(days=540)          # computed = 100 * 0.5^3 = 12.5 -> 13 (half away from zero)
    build_db(db_file, [post_row("drift", last_reviewed=when, score_freshness=90),
                       post_row("close", last_reviewed=when, score_freshness=13 + pol.drift_margin),
                       post_row("unknown", last_reviewed=when, score_freshness=None)])
    got = fresh_rows(db_file, pol)
    computed = freshness.computed_freshness(540, pol.half_life_days)
    assert got["drift"]["computed_freshness"] == computed
    assert got["drift"]["freshness_drift"] and got["drift"]["freshness_gap"] == 90 - computed
    assert got["close"]["freshness_drift"] == (abs(13 + pol.drift_margin - computed) > pol.drift_margin)
    assert not got["unknown"]["freshness_drift"]


def test_post_filters(db_file):
    build_db(db_file, [
        post_row("a", site="alpha", stack=["Python"], status="drafted", difficulty="beginner",
                 last_reviewed=dt.date(2024, 1, 10)),
        post_row("b", site="beta", stack=["rust"], status="published", difficulty="advanced",
                 last_reviewed=dt.date(2025, 5, 1)),
        post_row("c", site="beta", stack=["python", "go"], status="in review", difficulty="advanced",
                 last_reviewed=None, title="Caching at the edge"),
    ])

    def ids(**f):
        return sorted(fresh_rows(db_file, filters=f))
    assert ids() == ["a", "b", "c"]
    assert ids(site="beta") == ["b", "c"]
    assert ids(site=["alpha", "beta"]) == ["a", "b", "c"]
    assert ids(stack="python") == ["a", "c"]
    assert ids(status=["drafted", "in review"]) == ["a", "c"]
    assert ids(difficulty="advanced") == ["b", "c"]
    assert ids(reviewed_from=dt.date(2024, 6, 1)) == ["b"]
    assert ids(reviewed_to="2024-06-01") == ["a"]
    assert ids(band="never") == ["c"]
    assert ids(search="caching") == ["c"]
    with pytest.raises(ValueError):
        ids(colour="red")


def test_freshness_queries_run_on_a_real_database(db_file):
    """post-freshness, freshness-bands and stale-drafts, each executed."""
    build_db(db_file, [post_row("d1", status="drafted", last_reviewed=dt.date(2020, 1, 1)),
                       post_row("d2", status="in review", last_reviewed=None),
                       post_row("d3", status="drafted", last_reviewed=AS_OF),
                       post_row("p1", status="published", last_reviewed=dt.date(2020, 1, 1))])
    pol = Policy()
    with dbmod.session(db_file, read_only=True) as con:
        bands = freshness.statement(pol, {}, AS_OF).df(con)["band"].value_counts().to_dict()
        assert bands == {"fresh": 1, "stale": 2, "never": 1}
        stmt = queue.stale_drafts_sql(pol, {}, as_of=AS_OF)
        assert ";" not in stmt.sql and stmt.params["as_of"] == AS_OF
        stale = stmt.df(con)
    assert stale["post_id"].tolist() == ["d2", "d1"]
