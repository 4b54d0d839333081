"""The review policy (freshness decay, bands, score thresholds, queue severities) and
the freshness queries built on it.

The policy lives in a TOML file: ``policy.toml`` at the repository root, or the file
named by ``$COPYDESK_POLICY``.  Freshness itself is computed in SQL
(``queries/review/post_freshness.sql``) for an as-of date:

* ``review_age_days`` = as_of - last_reviewed (0 if reviewed after as_of; NULL if never);
* ``computed_freshness`` = round(100 x 0.5 ^ (age / half_life_days)), 0 when never reviewed;
* ``band``: ``fresh`` (age < aging_after_days), ``aging`` (up to stale_after_days),
  ``stale`` (older than stale_after_days), ``never`` (no last-reviewed date);
* ``freshness_drift`` = |score_freshness - computed_freshness| when it exceeds drift_margin.

Overrides per site and per stack: a matching stack override beats a site override,
which beats ``[freshness]``; of several matching stacks the smallest value wins.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import queries
from .errors import PolicyError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POLICY_FILE = ROOT / "policy.toml"
ENV_POLICY = "COPYDESK_POLICY"

FRESHNESS_KEYS = ("half_life_days", "aging_after_days", "stale_after_days", "drift_margin")
from .domain import BANDS, REASONS, SCORE_BANDS, SCORE_METRICS  # noqa: E402,F401  (re-exported)

# [priority.severity]: what each reason (copydesk.domain.REASONS, same keys) adds to a post's priority.
DEFAULT_SEVERITY = {
    "flagged": 40,
    "no_metadata": 35,
    "duplicate": 30,
    "stale_draft": 30,
    "never_reviewed_draft": 30,
    "content_changed": 25,
    "ai_unreviewed": 20,
    "needs_update": 20,
    "low_score": 15,
    "freshness_drift": 15,
    "parse_warnings": 10,
    "computed_quality_low": 25,
    "quality_disagreement": 20,
    "template_heavy": 25,
    "metadata_mismatch": 10,
}
# [queue] signals: reasons that only raise the priority and show on the row; every other reason puts a
# post in the open queue on its own.
DEFAULT_SIGNALS = ("low_score", "freshness_drift", "parse_warnings", "metadata_mismatch")
# [queue] today_posts: how many posts the Review page's "Today" view lists.
DEFAULT_TODAY_POSTS = 40


# [quality]: how copydesk scores the text itself (copydesk.quality; README "Quality signals").
QUALITY_WEIGHTS = ("readability", "structure", "originality", "consistency", "substance")


@dataclass(frozen=True)
class QualityPolicy:
    words_per_minute: float = 238.0        # estimated_reading_minutes = max(1, ceil(words / this))
    template_min_posts: int = 5            # a sentence in at least this many OTHER current posts is template text
    thin_words: int = 150                  # fewer words than this: the finding "thin: N words"
    substance_words: int = 300             # score_substance reaches 100 at this many words
    reading_time_tolerance: int = 2        # |recorded - estimated| reading minutes tolerated
    paragraph_tolerance: int = 1           # |claimed - counted| paragraphs tolerated
    # what the review queue makes of the scores (they change no score, so not in settings())
    computed_low: int = 50                 # computed quality below this: reason computed_quality_low
    disagreement_margin: int = 30          # |recorded - computed| quality at least this: quality_disagreement
    template_heavy_share: float = 0.6      # template_share at least this: reason template_heavy
    weights: dict = field(default_factory=lambda: {"readability": 15.0, "structure": 15.0, "originality": 30.0,
                                                   "consistency": 15.0, "substance": 25.0})

    def settings(self) -> dict:
        """Every setting, as plain values (stored with the scores so a policy change is noticed)."""
        return {**{k: getattr(self, k) for k in _QUALITY_NUMBERS}, "weights": dict(self.weights)}


# key -> (must be > 0, integer)
_QUALITY_NUMBERS = {"words_per_minute": (True, False), "template_min_posts": (True, True),
                    "thin_words": (False, True), "substance_words": (True, True),
                    "reading_time_tolerance": (False, True), "paragraph_tolerance": (False, True)}
_QUALITY_QUEUE_NUMBERS = {"computed_low": (False, True), "disagreement_margin": (False, True),
                          "template_heavy_share": (False, False)}


def _quality_policy(table: dict) -> QualityPolicy:
    """The ``[quality]`` section: known keys only, finite numbers, weights ≥ 0 adding up to more than 0."""
    if not isinstance(table, dict):
        raise PolicyError("quality must be a table")
    numbers = {**_QUALITY_NUMBERS, **_QUALITY_QUEUE_NUMBERS}
    unknown = set(table) - set(numbers) - {"weights"}
    if unknown:
        raise PolicyError(f"quality: unknown key(s) {sorted(unknown)}; known: {[*numbers, 'weights']}")
    kw = {key: _number(table[key], f"quality.{key}", positive=positive, integer=integer)
          for key, (positive, integer) in numbers.items() if key in table}
    for key, (_positive, integer) in numbers.items():
        if integer and key in table and table[key] != kw[key]:
            raise PolicyError(f"quality.{key} must be a whole number, not {table[key]!r}")
    if kw.get("template_heavy_share", 0) > 1:
        raise PolicyError("quality.template_heavy_share must be a share between 0 and 1")
    weights = dict(QualityPolicy().weights)
    given = table.get("weights", {})
    if not isinstance(given, dict):
        raise PolicyError("quality.weights must be a table")
    for name, value in given.items():
        if name not in QUALITY_WEIGHTS:
            raise PolicyError(f"quality.weights.{name}: unknown sub-score; known: {list(QUALITY_WEIGHTS)}")
        weights[name] = _number(value, f"quality.weights.{name}")
    if not sum(weights.values()) > 0:
        raise PolicyError("quality.weights: at least one weight must be above 0")
    kw["weights"] = weights
    return QualityPolicy(**kw)


@dataclass(frozen=True)
class Policy:
    half_life_days: float = 1825.0
    aging_after_days: int = 90
    stale_after_days: int = 180
    drift_margin: int = 30
    score_good: int = 80
    score_watch: int = 60
    score_watch_by_metric: dict = field(default_factory=dict)   # metric -> watch threshold
    score_good_by_metric: dict = field(default_factory=dict)    # metric -> good threshold
    draft_statuses: tuple = ("drafted", "in review")
    attention_statuses: tuple = ("needs update",)
    ignore_statuses: tuple = ()
    signals: tuple = DEFAULT_SIGNALS
    today_posts: int = DEFAULT_TODAY_POSTS
    staleness_max: float = 20.0
    impact_per_decade: float = 4.0
    impact_max: float = 24.0
    severity: dict = field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    quality: QualityPolicy = field(default_factory=QualityPolicy)
    sites: dict = field(default_factory=dict)     # site (lower-case) -> {freshness key: value}
    stacks: dict = field(default_factory=dict)    # stack (lower-case) -> {freshness key: value}
    source: str = "built-in defaults"

    def queue_reasons(self) -> tuple:
        """The reasons that put a post in the queue on their own (every reason not a signal), in REASONS order."""
        return tuple(code for code in REASONS if code not in self.signals)

    def reason_rank(self) -> list[str]:
        """Every reason code, highest severity first (REASONS order among equals): how a row's main reason is chosen."""
        order = list(REASONS)
        return sorted(order, key=lambda code: (-float(self.severity.get(code, 0)), order.index(code)))

    def watch(self, metric: str) -> int:
        return int(self.score_watch_by_metric.get(metric, self.score_watch))

    def good(self, metric: str) -> int:
        return int(self.score_good_by_metric.get(metric, self.score_good))

    def rule_for(self, site: str | None = None, stack=()) -> dict:
        """The effective freshness settings for a post of this site and stack (Python mirror of the SQL)."""
        out = {k: getattr(self, k) for k in FRESHNESS_KEYS}
        site_rule = self.sites.get((site or "").lower(), {})
        out.update({k: v for k, v in site_rule.items() if v is not None})
        for key in FRESHNESS_KEYS:
            vals = [self.stacks[s.lower()][key] for s in (stack or ())
                    if s and s.lower() in self.stacks and self.stacks[s.lower()].get(key) is not None]
            if vals:
                out[key] = min(vals)
        return out


def policy_path(explicit: str | os.PathLike | None = None) -> Path:
    """The policy file: explicit, else ``$COPYDESK_POLICY``, else ``policy.toml`` at the repo root."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_POLICY)
    return Path(env) if env else DEFAULT_POLICY_FILE


def _number(value, where: str, *, positive: bool = False, integer: bool = False):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PolicyError(f"{where} must be a number, not {value!r}")
    if not math.isfinite(value):
        raise PolicyError(f"{where} must be a finite number, not {value!r}")
    if value < 0 or (positive and value == 0):
        raise PolicyError(f"{where} must be {'> 0' if positive else '>= 0'}, not {value!r}")
    return int(value) if integer else float(value)


def _freshness_rule(table: dict, where: str, *, complete: bool) -> dict:
    unknown = set(table) - set(FRESHNESS_KEYS)
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {sorted(unknown)}; known: {list(FRESHNESS_KEYS)}")
    out = {}
    for key in FRESHNESS_KEYS:
        if key in table:
            out[key] = _number(table[key], f"{where}.{key}", positive=key == "half_life_days",
                               integer=key != "half_life_days")
        elif not complete:
            out[key] = None
    return out


def _statuses(value, where: str) -> tuple:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where} must be a list of strings")
    return tuple(v.strip().lower() for v in value)


def policy_from_dict(data: dict, source: str = "dict") -> Policy:
    """Build and validate a :class:`Policy` from parsed TOML; missing keys keep their defaults."""
    base = Policy()
    kw: dict = {"source": source}
    known_top = {"freshness", "scores", "queue", "priority", "quality", "sites", "stacks"}
    unknown = set(data) - known_top
    if unknown:
        raise PolicyError(f"unknown section(s) {sorted(unknown)}; known: {sorted(known_top)}")
    kw.update(_freshness_rule(data.get("freshness", {}), "freshness", complete=True))
    scores = dict(data.get("scores", {}))
    if "good" in scores:
        kw["score_good"] = _number(scores.pop("good"), "scores.good", integer=True)
    if "watch" in scores:
        kw["score_watch"] = _number(scores.pop("watch"), "scores.watch", integer=True)
    watch_by, good_by = {}, {}
    for metric, table in scores.items():
        if metric not in SCORE_METRICS or not isinstance(table, dict):
            raise PolicyError(f"scores.{metric}: expected one of {list(SCORE_METRICS)} as a table")
        for key, val in table.items():
            if key == "watch":
                watch_by[metric] = _number(val, f"scores.{metric}.watch", integer=True)
            elif key == "good":
                good_by[metric] = _number(val, f"scores.{metric}.good", integer=True)
            else:
                raise PolicyError(f"scores.{metric}.{key}: unknown key (use good / watch)")
    kw["score_watch_by_metric"], kw["score_good_by_metric"] = watch_by, good_by
    q = data.get("queue", {})
    unknown_q = set(q) - {"draft_statuses", "attention_statuses", "ignore_statuses", "signals", "today_posts"}
    if unknown_q:
        raise PolicyError(f"queue: unknown key(s) {sorted(unknown_q)}")
    for key in ("draft_statuses", "attention_statuses", "ignore_statuses"):
        if key in q:
            kw[key] = _statuses(q[key], f"queue.{key}")
    if "signals" in q:
        signals = _statuses(q["signals"], "queue.signals")
        bad = [code for code in signals if code not in REASONS]
        if bad:
            raise PolicyError(f"queue.signals: unknown reason(s) {bad}; known: {list(REASONS)}")
        kw["signals"] = tuple(dict.fromkeys(signals))
    if "today_posts" in q:
        kw["today_posts"] = _number(q["today_posts"], "queue.today_posts", positive=True, integer=True)
    pr = dict(data.get("priority", {}))
    sev = dict(DEFAULT_SEVERITY)
    for code, val in (pr.pop("severity", {}) or {}).items():
        if code not in DEFAULT_SEVERITY:
            raise PolicyError(f"priority.severity.{code}: unknown reason; known: {sorted(DEFAULT_SEVERITY)}")
        sev[code] = _number(val, f"priority.severity.{code}")
    kw["severity"] = sev
    if "quality" in data:
        kw["quality"] = _quality_policy(data["quality"])
    for key in ("staleness_max", "impact_per_decade", "impact_max"):
        if key in pr:
            kw[key] = _number(pr.pop(key), f"priority.{key}")
    if pr:
        raise PolicyError(f"priority: unknown key(s) {sorted(pr)}")
    for scope in ("sites", "stacks"):
        table = data.get(scope, {})
        kw[scope] = {str(name).strip().lower(): _freshness_rule(rule, f"{scope}.{name}", complete=False)
                     for name, rule in table.items()}
    policy = Policy(**{**base.__dict__, **kw})
    for metric in SCORE_METRICS:
        if policy.watch(metric) > policy.good(metric):
            raise PolicyError(f"scores: watch ({policy.watch(metric)}) is above good ({policy.good(metric)}) for {metric}")
    for name, rule in [("freshness", policy.rule_for())] + [
            (f"sites.{s}", policy.rule_for(site=s)) for s in policy.sites] + [
            (f"stacks.{s}", policy.rule_for(stack=[s])) for s in policy.stacks]:
        if rule["aging_after_days"] > rule["stale_after_days"]:
            raise PolicyError(f"{name}: aging_after_days is above stale_after_days")
    return policy


def load_policy(path: str | os.PathLike | None = None) -> Policy:
    """Read the policy file (see :func:`policy_path`); built-in defaults when the default file is absent."""
    p = policy_path(path)
    if not p.exists():
        if path or os.environ.get(ENV_POLICY):
            raise PolicyError(f"policy file {p} does not exist")
        return Policy()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{p}: {exc}") from exc
    return policy_from_dict(data, source=str(p))


# --- the same formulas in Python: documentation and test oracle -------------------------

def computed_freshness(age_days: int | None, half_life_days: float) -> int:
    """100 x 0.5 ^ (age / half-life), rounded half away from zero; 0 when never reviewed."""
    if age_days is None:
        return 0
    value = 100 * 0.5 ** (max(0, age_days) / half_life_days)
    return int(math.floor(value + 0.5))


def band(age_days: int | None, aging_after_days: int, stale_after_days: int) -> str:
    if age_days is None:
        return "never"
    if age_days > stale_after_days:
        return "stale"
    if age_days >= aging_after_days:
        return "aging"
    return "fresh"


# --- SQL parameters -------------------------------------------------------------------

def overrides_json(policy: Policy) -> str:
    rows = [{"scope": scope[:-1], "key": name, **rule}
            for scope in ("sites", "stacks") for name, rule in getattr(policy, scope).items()]
    return json.dumps(rows)


def policy_params(policy: Policy, as_of: dt.date | None = None) -> dict:
    """Named parameters for the freshness and queue queries."""
    p = {
        "as_of": as_of or dt.date.today(),
        "half_life_days": float(policy.half_life_days),
        "aging_after_days": int(policy.aging_after_days),
        "stale_after_days": int(policy.stale_after_days),
        "drift_margin": int(policy.drift_margin),
        "policy_overrides": overrides_json(policy),
        "override_stacks": sorted(policy.stacks),
        "draft_statuses": list(policy.draft_statuses),
        "attention_statuses": list(policy.attention_statuses),
        "ignore_statuses": list(policy.ignore_statuses),
        "signals": list(policy.signals),
        "reason_rank": policy.reason_rank(),
        "reason_severity": [float(policy.severity.get(code, 0)) for code in policy.reason_rank()],
        "staleness_max": float(policy.staleness_max),
        "impact_per_decade": float(policy.impact_per_decade),
        "impact_max": float(policy.impact_max),
        # copydesk's own quality ([quality]): the thresholds of its queue reasons
        "computed_low": int(policy.quality.computed_low),
        "disagreement_margin": int(policy.quality.disagreement_margin),
        "template_heavy_share": float(policy.quality.template_heavy_share),
        "template_min_posts": int(policy.quality.template_min_posts),
    }
    for metric in SCORE_METRICS:
        p[f"watch_{metric}"] = policy.watch(metric)
        p[f"good_{metric}"] = policy.good(metric)
    for code, val in policy.severity.items():
        p[f"sev_{code}"] = float(val)
    return p


# Filters every query built on post_freshness understands; each value may be a string or a list.
LIST_FILTERS = ("site", "stack", "status", "difficulty", "band", "reason", "assignee")


def _as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v) for v in value if v is not None and v != ""]
    return [str(value)]


def filter_params(filters: dict | None) -> dict:
    """Named parameters for the filters: lists (empty = no filter) and dates (NULL = open)."""
    filters = dict(filters or {})
    unknown = set(filters) - set(LIST_FILTERS) - {"reviewed_from", "reviewed_to", "state", "search", "post_ids"}
    if unknown:
        raise ValueError(f"unknown filter(s) {sorted(unknown)}")
    p = {f"f_{k}": _as_list(filters.get(k)) for k in LIST_FILTERS}
    p["f_post_ids"] = _as_list(filters.get("post_ids"))
    p["f_site"] = [s.lower() for s in p["f_site"]]
    p["f_stack"] = [s.lower() for s in p["f_stack"]]
    p["f_status"] = [s.lower() for s in p["f_status"]]
    p["f_difficulty"] = [s.lower() for s in p["f_difficulty"]]
    for key in ("reviewed_from", "reviewed_to"):
        v = filters.get(key)
        if isinstance(v, str) and v:
            v = dt.date.fromisoformat(v)
        if isinstance(v, dt.datetime):
            v = v.date()
        p[f"f_{key}"] = v or None
    state = filters.get("state") or "open"
    if state not in ("open", "decided", "all"):
        raise ValueError(f"state must be open, decided or all, not {state!r}")
    p["f_state"] = state
    p["f_search"] = (filters.get("search") or "").strip().lower()
    return p


def params(policy: Policy, filters: dict | None = None, as_of: dt.date | None = None) -> dict:
    """Every named parameter of the freshness and queue queries: the policy's and the filters'.

    ``as_of`` (else ``filters["as_of"]``, else today) may be a date or an ISO string."""
    filters = dict(filters or {})
    as_of = as_of or filters.pop("as_of", None) or dt.date.today()
    filters.pop("as_of", None)
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    return {**policy_params(policy, as_of), **filter_params(filters)}


def statement(policy: Policy, filters: dict | None = None, as_of: dt.date | None = None) -> queries.Statement:
    """ONE SELECT: every post (matching the post-level filters) with its freshness under the policy."""
    return queries.statement("review/post_freshness", params(policy, filters, as_of))


def describe(policy: Policy) -> list[tuple[str, str]]:
    """The policy in force as (setting, value) rows, for display."""
    rows = [
        ("source", policy.source),
        ("computed freshness", f"100 × 0.5^(age / {policy.half_life_days:g} days); 0 if never reviewed"),
        ("bands", f"fresh < {policy.aging_after_days} d ≤ aging ≤ {policy.stale_after_days} d < stale; never"),
        ("drift margin", f"> {policy.drift_margin} points between recorded and computed freshness"),
        ("score bands", f"good ≥ {policy.score_good}, watch {policy.score_watch}–{policy.score_good - 1}, "
                        f"poor < {policy.score_watch}"),
    ]
    for metric in SCORE_METRICS:
        if metric in policy.score_watch_by_metric or metric in policy.score_good_by_metric:
            rows.append((f"score bands: {metric}", f"good ≥ {policy.good(metric)}, poor < {policy.watch(metric)}"))
    rows.append(("draft statuses", ", ".join(policy.draft_statuses) or "—"))
    rows.append(("attention statuses", ", ".join(policy.attention_statuses) or "—"))
    if policy.ignore_statuses:
        rows.append(("ignored statuses", ", ".join(policy.ignore_statuses)))
    rows.append(("queue reasons", ", ".join(policy.queue_reasons()) or "—"))
    rows.append(("signals (priority only)", ", ".join(policy.signals) or "—"))
    rows.append(("today view", f"the next {policy.today_posts} posts by priority"))
    for scope in ("sites", "stacks"):
        for name, rule in getattr(policy, scope).items():
            txt = ", ".join(f"{k} = {v:g}" for k, v in rule.items() if v is not None)
            rows.append((f"override {scope[:-1]} '{name}'", txt))
    q = policy.quality
    rows.append(("computed quality", "weighted mean of sub-scores: " + ", ".join(
        f"{name} {q.weights[name]:g}" for name in QUALITY_WEIGHTS)))
    rows.append(("quality signals", f"{q.words_per_minute:g} words/minute; template text: a sentence in ≥ "
                                    f"{q.template_min_posts} other posts; thin: < {q.thin_words} words; full "
                                    f"substance at {q.substance_words} words; tolerated: reading time ± "
                                    f"{q.reading_time_tolerance} min, paragraphs ± {q.paragraph_tolerance}"))
    rows.append(("priority", f"Σ reason severities + staleness (≤ {policy.staleness_max:g}) "
                             f"+ impact ({policy.impact_per_decade:g}/decade of views, ≤ {policy.impact_max:g})"))
    return rows
