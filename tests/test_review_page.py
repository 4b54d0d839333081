"""The review-queue page in the real Streamlit app (AppTest): filter → open → decide → leaves → re-import → returns."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from copydesk import db as dbmod
from copydesk import queue
from copydesk.importer import import_paths
from review_support import open_page, write_page

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "<script>alert('x')</script> **bold** [link](http://evil.example) <img src=x onerror=alert(1)>"


@pytest.fixture
def corpus(tmp_path, db_file):
    pages = tmp_path / "pages"
    write_page(pages, "001_a.txt", "alphanode-000001", flagged=True, title="flagged one")
    write_page(pages, "002_a.txt", "alphanode-000002", flagged=True, title="flagged two")
    write_page(pages, "003_a.txt", "alphanode-000003", flagged=False, status="published",
               last_reviewed="2099-01-01", freshness=100, ai=False, title="calm post")
    write_page(pages, "004_a.txt", "alphanode-000004", flagged=False, extra=HOSTILE, title="hostile <b>post</b>")
    import_paths([pages], db_file, workers=1)
    return pages


def open_app() -> AppTest:
    return open_page("pages/review_queue.py")


def table_ids(at) -> list[str]:
    df = next(d.value for d in at.dataframe if "post_id" in d.value.columns and "priority" in d.value.columns)
    return df["post_id"].tolist()


def count(at) -> int:
    return int(at.metric[0].value.replace(",", ""))


def heading(at) -> str | None:
    """The opened post's title: the page's only subheader holding a post title (escaped markdown)."""
    titles = [h.value for h in at.subheader if h.value not in ("Decision",) and not h.value.startswith("Today")]
    return titles[0].replace("\\", "") if titles else None


def submit(at):
    next(b for b in at.button if b.label == "Record decision").click()
    at.run()


def test_filter_open_decide_leave_reimport_return(corpus, db_file):
    at = open_app()
    assert "alphanode-000003" not in table_ids(at)
    at.multiselect(key="review_reason").set_value(["flagged"])
    at.run()
    assert sorted(table_ids(at)) == ["alphanode-000001", "alphanode-000002"]
    assert count(at) == 2
    at.selectbox(key="review_open").select("alphanode-000001")
    at.run()
    texts = [t.value for t in at.text]
    assert heading(at) == "flagged one" and "• flagged: needs human review" in texts
    # no decision without a reviewer
    assert next(b for b in at.button if b.label == "Record decision").disabled
    at.text_input(key="review_name_input").input("Dana")
    at.run()
    at.selectbox(key="review_decision").select("approve")
    at.text_area(key="review_note").input("checked the facts")
    submit(at)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert table_ids(at) == ["alphanode-000002"] and count(at) == 1
    with dbmod.session(db_file, read_only=True) as con:
        log = queue.decision_log(con)
    assert log[["post_id", "decision", "reviewer", "note"]].values.tolist() == [
        ["alphanode-000001", "approve", "Dana", "checked the facts"]]
    # the post's content changes: a re-import brings it back with the reason
    write_page(corpus, "001_a.txt", "alphanode-000001", flagged=True, title="flagged one",
               extra="a corrected paragraph.")
    import_paths([corpus], db_file, workers=1)
    at.run()
    assert sorted(table_ids(at)) == ["alphanode-000001", "alphanode-000002"]
    at.selectbox(key="review_open").select("alphanode-000001")
    at.run()
    assert any(t.value.startswith("• content changed since approve by Dana") for t in at.text)


def test_bulk_decision_and_undo(corpus, db_file):
    at = open_app()
    at.text_input(key="review_name_input").input("Sam")
    at.run()
    at.multiselect(key="review_selected").set_value(["alphanode-000001", "alphanode-000002"])
    at.radio(key="review_target").set_value("bulk selection")
    at.selectbox(key="review_decision").select("needs_edits")
    at.text_input(key="review_assign_to").input("kim")
    submit(at)
    assert not at.error, [e.value for e in at.error]
    assert "alphanode-000001" not in table_ids(at) and "alphanode-000002" not in table_ids(at)
    assert at.multiselect(key="review_selected").value == []          # a done selection is not reused
    at.selectbox(key="review_state").select("decided")
    at.multiselect(key="review_assignee").set_value(["kim"])
    at.run()
    assert sorted(table_ids(at)) == ["alphanode-000001", "alphanode-000002"]
    at.multiselect(key="review_selected").set_value(["alphanode-000002"])
    at.radio(key="review_target").set_value("bulk selection")
    at.selectbox(key="review_decision").select("reopen")
    submit(at)
    at.selectbox(key="review_state").select("open")
    at.multiselect(key="review_assignee").set_value([])
    at.run()
    assert "alphanode-000002" in table_ids(at) and "alphanode-000001" not in table_ids(at)


def test_post_content_renders_as_plain_text(corpus):
    at = open_app()
    at.selectbox(key="review_open").select("alphanode-000004")
    at.run()
    assert not at.exception
    body = next(t.value for t in at.text if "<script>" in t.value)
    assert HOSTILE in body
    assert heading(at) == "hostile <b>post</b>"            # escaped markdown: shown as typed, no HTML
    assert next(h.value for h in at.subheader if "post" in h.value) == "hostile \\<b\\>post\\</b\\>"
    for el in list(at.markdown) + list(at.caption) + list(at.success) + list(at.info):
        assert "<script>" not in el.value and "evil.example" not in el.value and "<b>post" not in el.value


def test_policy_is_shown(corpus):
    at = open_app()
    assert any(e.label.startswith("Policy in force: half-life") for e in at.expander)
    settings = next(d.value for d in at.dataframe if list(d.value.columns) == ["setting", "value"])
    assert "policy.toml" in settings.set_index("setting").loc["source", "value"]


def log(db_file):
    with dbmod.session(db_file, read_only=True) as con:
        return queue.decision_log(con)


def name_and_open(at, who="Dana", post="alphanode-000001"):
    at.text_input(key="review_name_input").input(who)
    at.run()
    at.selectbox(key="review_open").select(post)
    at.run()


def test_two_decisions_in_a_row_carry_nothing_over(corpus, db_file):
    """The form is empty after a decision: the second decision has no note or assignee of the first."""
    at = open_app()
    name_and_open(at)
    at.selectbox(key="review_decision").select("needs_edits")
    at.text_area(key="review_note").input("fix the intro")
    at.text_input(key="review_assign_to").input("kim")
    submit(at)
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="review_open").value is None                 # the decided post closed
    assert at.text_area(key="review_note").value == "" and at.text_input(key="review_assign_to").value == ""
    assert at.selectbox(key="review_decision").value == "approve"
    at.selectbox(key="review_open").select("alphanode-000002")
    at.run()
    submit(at)
    rows = log(db_file).sort_values("decision_id")[["post_id", "decision", "note", "assignee"]]
    assert rows.astype(object).where(rows.notna(), None).values.tolist() == [
        ["alphanode-000001", "needs_edits", "fix the intro", "kim"],
        ["alphanode-000002", "approve", None, None]]


def test_apply_to_follows_the_selection(corpus, db_file):
    at = open_app()
    name_and_open(at, "Sam")
    assert at.radio(key="review_target").value == "opened post"
    at.multiselect(key="review_selected").set_value(["alphanode-000002", "alphanode-000004"])
    at.run()
    assert at.radio(key="review_target").value == "bulk selection"    # ticking rows switches to bulk
    submit(at)
    assert set(log(db_file)["post_id"]) == {"alphanode-000002", "alphanode-000004"}
    assert at.multiselect(key="review_selected").value == []
    assert at.radio(key="review_target").value == "opened post"        # and back once the bulk is done


def test_today_next_and_progress(corpus, db_file):
    """Today lists the open posts by priority; after a decision the post closes and Next opens the next."""
    at = open_app()
    at.text_input(key="review_name_input").input("Dana")
    at.run()
    assert any(h.value == "Today: 0 decided · 3 left" for h in at.subheader), [h.value for h in at.subheader]
    first = [t.value for t in at.text if " · alphanode-" in t.value][0].split(" · ")[1]
    next(b for b in at.button if b.key == "review_next").click()
    at.run()
    assert at.selectbox(key="review_open").value == first
    submit(at)                                                            # approve
    assert at.selectbox(key="review_open").value is None
    assert any(h.value == "Today: 1 decided · 2 left" for h in at.subheader), [h.value for h in at.subheader]
    next(b for b in at.button if b.key == "review_next").click()
    at.run()
    second = at.selectbox(key="review_open").value
    assert second not in (None, first)
    assert [t.value for t in at.text if " · alphanode-" in t.value][0].split(" · ")[1] == second


def test_approve_refreshes_freshness_and_leaves_the_queue(corpus, db_file):
    at = open_app()
    name_and_open(at)
    assert "alphanode-000001" in table_ids(at)
    submit(at)
    assert "alphanode-000001" not in table_ids(at)
    at.selectbox(key="review_state").select("decided")
    at.run()
    df = next(d.value for d in at.dataframe if "post_id" in d.value.columns and "priority" in d.value.columns)
    row = df.set_index("post_id").loc["alphanode-000001"]
    import datetime as dt
    assert str(row["effective_last_reviewed"])[:10] == dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert row["band"] == "fresh" and row["review_age_days"] in (0, 1)


def test_row_controls_come_from_and_go_to_the_url(corpus, db_file):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["reason"] = ["flagged"]
    at.query_params["q"] = "two"
    at.run()
    at.switch_page("pages/review_queue.py")
    at.run()
    assert table_ids(at) == ["alphanode-000002"]
    at.selectbox(key="review_sort").select("post id")
    at.run()
    params = {k: v if isinstance(v, list) else [v] for k, v in dict(at.query_params).items()}
    assert params["sort"] == ["post id"] and params["reason"] == ["flagged"] and params["q"] == ["two"]


def test_a_signal_is_marked_on_the_opened_post(tmp_path, db_file):
    pages = tmp_path / "signals"
    write_page(pages, "001_a.txt", "alphanode-000001", flagged=True, quality=41, title="flagged and weak")
    import_paths([pages], db_file, workers=1)
    at = open_app()
    at.selectbox(key="review_open").select("alphanode-000001")
    at.run()
    texts = [t.value for t in at.text if t.value.startswith("• ")]
    assert "• flagged: needs human review" in texts
    assert "• quality 41 < 60 (signal: raises priority only)" in texts
