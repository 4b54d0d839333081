"""The Quality page's data and widgets, and the quality card of the review queue's post view.

copydesk's own quality (``post_quality``, :mod:`copydesk.quality`) against the recorded one: a
distribution and a scatter whose points open the post, the findings by kind with the posts
behind each, sub-scores by site and stack, the template sentences of the corpus, and the
computed figures across import batches.  Every aggregate comes from DuckDB over the filtered
posts in one statement (``quality/page_figures``: only the aggregates and a sample of points
travel) and is cached until the database changes; the template sentences and the batch trend do
not depend on the filters and are cached on their own.

The quality card (:func:`show_card`): each sub-score with the findings that lowered it, and the
article with its template sentences marked and the number of other posts holding each, as
plain text (``st.text``: nothing from the post is read as markdown or HTML).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from .. import export
from ..freshness import Policy
from ..quality import batch, charts, figures, text  # noqa: F401  (charts: the page draws through this module)
from .common import Connection, cached_read, md_escape, page_link, reading, show_table, stop_on_error

MAX_POINTS = figures.MAX_POINTS   # points of the scatter (every disagreement first, then a sample)
TEMPLATE_SHOWN = 200           # template sentences listed on the page (all of them in the CSV)
MAX_KEYS = figures.MAX_KEYS    # sites / stacks in the sub-score breakdown
POSTS_SHOWN = 200              # posts listed under a finding

# which sub-score each kind of finding lowers (README "Sub-scores")
SUB_SCORE_FINDINGS = {
    "readability": ("hard_to_read", "long_sentences", "no_sentences"),
    "structure": ("no_paragraphs", "single_paragraph", "no_headings", "long_paragraph"),
    "originality": ("template_text", "no_sentences"),
    "consistency": ("reading_time", "paragraph_claim", "checklist_missing", "checklist_extra"),
    "substance": ("thin", "short"),
}
FINDING_LABELS = {
    "template_text": "template text", "reading_time": "reading time off", "paragraph_claim": "paragraph claim off",
    "checklist_missing": "checklist item missing", "checklist_extra": "checklist item not in meta",
    "thin": "thin", "short": "short", "no_paragraphs": "no prose paragraphs", "single_paragraph": "a single paragraph",
    "no_sentences": "no prose sentences", "no_headings": "no section headings", "long_paragraph": "wall of text",
    "hard_to_read": "hard to read", "long_sentences": "long sentences",
}


@dataclass(frozen=True)
class QualityFigures:
    """What the page draws for one set of filters, from one statement over the filtered posts."""
    headline: dict               # quality/page_headline: posts, scored, means, medians, computed_low, ...
    distribution: pd.DataFrame   # kind (computed | recorded), bucket, posts
    points: pd.DataFrame         # post_id, site, title, recorded_quality, computed_quality, gap, disagrees
    findings: pd.DataFrame       # code, posts, label
    by_site: pd.DataFrame        # key, posts, computed_quality, recorded_quality, readability ... substance


@cached_read
def page_figures(con: Connection, policy: Policy, filters: dict, as_of: dt.date) -> QualityFigures:
    """Every aggregate of the page for the filters, but the stack breakdown (read when shown)."""
    f = figures.page_figures(con, policy, filters, as_of)
    findings = f["findings"]
    findings.insert(1, "label", [FINDING_LABELS.get(c, c) for c in findings["code"]])
    return QualityFigures(f["headline"], f["distribution"], f["points"], findings, f["by_site"])


@cached_read
def breakdown_by_stack(con: Connection, policy: Policy, filters: dict, as_of: dt.date) -> pd.DataFrame:
    """Mean sub-scores per stack (a post counts for each of its stacks)."""
    return figures.breakdown(con, policy, filters, as_of, "stack")


@cached_read
def finding_posts(con: Connection, policy: Policy, filters: dict, as_of: dt.date, code: str) -> pd.DataFrame:
    """The first posts (by id) of the filters carrying a finding of kind ``code``."""
    return export.export_sql(con, "quality", filters, as_of, policy, finding=code, limit=POSTS_SHOWN).df(con)[
        ["post_id", "site", "title", "computed_quality", "recorded_quality", "findings"]]


@cached_read
def template_sentences(con: Connection) -> tuple[pd.DataFrame, int]:
    """The most widespread template sentences (``sentence``, ``posts``, ``example_post_id``) and how many there are."""
    return figures.template_sentences(con, TEMPLATE_SHOWN)


@cached_read
def batch_trend(con: Connection, site: str | None = None) -> pd.DataFrame:
    """The computed-quality figures after each import batch (one site's when ``site`` is given), oldest first."""
    return figures.batch_trend(con, site)


def snapshot_site(filters: dict) -> str | None:
    """The site whose batch figures the page shows: the one site filtered on, else the whole corpus."""
    sites = filters.get("site") or []
    return sites[0] if len(sites) == 1 else None


# --- the picked post ------------------------------------------------------------------------

def picked_post(event) -> str | None:
    """The post id a click on the scatter picked (``st.altair_chart`` selection event), if any."""
    try:
        picked = event.selection.get("pick_post") or []
    except AttributeError:
        picked = ((event or {}).get("selection") or {}).get("pick_post") or []
    if isinstance(picked, dict):
        picked = [picked]
    for point in picked:
        if point.get("post_id"):
            return str(point["post_id"])
    return None


def review_link(post_id: str, *, key: str | None = None) -> None:
    """A link to the review queue's post view of ``post_id`` (``?open=ID``; its tab Quality is the card)."""
    page_link("pages/review_queue.py", f"Open {post_id} in the review queue (quality card)",
              icon=":material/open_in_new:", query_params={"open": post_id})


# --- the quality card -------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    """One post's quality as its card shows it."""
    row: dict | None                       # its post_quality row (None: not scored yet)
    sub_scores: pd.DataFrame               # sub-score, score, weight, what lowered it
    blocks: list                           # [(kind, text or [(sentence, other_posts | None)])] in article order


def card(post_id: str, body: str | None, policy: Policy) -> Card:
    """The quality card of ``post_id`` (uncached: it follows the post view, which must reflect the last write)."""
    with stop_on_error(), reading() as con:
        row = figures.post_card(con, post_id)
        blocks = article_blocks(body)
        counts = figures.sentence_posts(con, sorted({h for kind, content in blocks if kind == "prose"
                                                     for _s, h in content}))
    min_posts = policy.quality.template_min_posts
    marked = []
    for kind, content in blocks:
        if kind == "prose":
            content = [(s, counts.get(h, 1) - 1 if counts.get(h, 0) > min_posts else None) for s, h in content]
        marked.append((kind, content))
    return Card(row, sub_score_table(row, policy), marked)


def article_blocks(body: str | None) -> list:
    """The article's blocks in order: ``("text", block)`` for a heading or a list (as written) and
    ``("prose", [(sentence, hash)])`` for a prose paragraph, its sentences as template detection reads them."""
    out = []
    if not body or not isinstance(body, str):
        return out
    for block in text._blocks(body):
        if not block.strip():
            continue
        chunk = batch.Chunk([block], syllables=False)
        if chunk.paragraph_count[0]:
            out.append(("prose", list(zip(chunk.sentences_of(0), chunk.hashes_of(0)))))
        else:
            out.append(("text", block.strip("\n")))
    return out


def sub_score_table(row: dict | None, policy: Policy) -> pd.DataFrame:
    """``sub-score``, ``score``, ``weight``, ``what lowered it`` (the post's findings of that kind)."""
    findings = list(zip((row or {}).get("finding_codes") or [], (row or {}).get("findings") or []))
    rows = []
    for name, codes in SUB_SCORE_FINDINGS.items():
        lowered = [words for code, words in findings if code in codes]
        rows.append({"sub-score": name, "score": (row or {}).get(f"score_{name}"),
                     "weight": policy.quality.weights[name], "what lowered it": "; ".join(lowered) or "—"})
    return pd.DataFrame(rows)


def show_card(post: dict, policy: Policy) -> None:
    """The quality card of an opened post (the review queue's post view)."""
    c = card(post["post_id"], post.get("body"), policy)
    if c.row is None or c.row.get("computed_quality") is None:
        st.text("No computed quality yet for this revision (it is computed after each import; "
                "`copydesk quality` recomputes it).")
        return
    r = c.row
    share = r.get("template_share")
    st.text(f"computed quality {r['computed_quality']} · recorded {r.get('recorded_quality') if r.get('recorded_quality') is not None else '—'}"
            f" · {_num(r['word_count'])} words, {_num(r['sentence_count'])} sentences,"
            f" {_num(r['paragraph_count'])} paragraphs"
            f" · template share {'—' if share is None else f'{share:.0%}'}")
    st.dataframe(c.sub_scores, hide_index=True, width="stretch", key=f"quality_card_scores_{post['post_id']}",
                 column_config={"score": st.column_config.ProgressColumn("score", min_value=0, max_value=100,
                                                                         format="%d")})
    st.caption("The article, template sentences marked ▶ … ◀ with the number of other posts that hold "
               f"each (template text: held by more than {policy.quality.template_min_posts} current posts).")
    st.text(article_text(c.blocks), wrap=True)


def article_text(blocks: list) -> str:
    """The article as plain text with each template sentence marked ``▶ sentence ◀ [in N other posts]``."""
    parts = []
    for kind, content in blocks:
        if kind == "text":
            parts.append(content)
            continue
        parts.append(" ".join(s if n is None else f"▶ {s} ◀ [in {n:,} other posts]" for s, n in content))
    return "\n\n".join(parts)


def headline_text(head: dict, policy: Policy) -> list[tuple[str, str, str]]:
    """The headline metrics as (label, value, help)."""
    q = policy.quality
    return [
        ("Posts scored", f"{_num(head.get('scored'))} of {_num(head.get('posts'))}", "posts with a computed quality"),
        ("Mean computed quality", _num(head.get("mean_computed_quality"), "{:.1f}"),
         f"median {_num(head.get('median_computed_quality'), '{:.0f}')}"),
        ("Mean recorded quality", _num(head.get("mean_recorded_quality"), "{:.1f}"),
         f"median {_num(head.get('median_recorded_quality'), '{:.0f}')} (the page dumps' score block)"),
        ("Disagreements", _num(head.get("disagreements")), f"|recorded − computed| ≥ {q.disagreement_margin}"),
        ("Template-heavy", _num(head.get("template_heavy")), f"template share ≥ {q.template_heavy_share:.0%}"),
        ("Computed quality low", _num(head.get("computed_low")), f"computed quality < {q.computed_low}"),
    ]


def table(df: pd.DataFrame, *, key: str, empty: str = "No rows for these filters.", **kw) -> bool:
    return show_table(df, key=key, empty=empty, width="stretch", **kw)


def esc(value) -> str:
    return md_escape(value)


def _num(v, fmt: str = "{:,}") -> str:
    """A figure for display: ``fmt`` (thousands separated by default), "—" when there is none."""
    return "—" if v is None else fmt.format(v)
