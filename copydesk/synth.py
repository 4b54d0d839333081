"""A realistic, deterministic synthetic corpus of page dumps (``copydesk synth``).

:func:`generate` writes ``posts`` posts as page-dump files (the format of
``shared/formats/page-dump.md``) under ``OUT_DIR/pages/`` plus the answer keys a
test or benchmark needs:

* ``manifest.jsonl`` -- one line per written file: whether it is a post or must be
  rejected, the irregularities planted in it, and the posts column values a
  correct parser produces from it (``fields``);
* ``truth_pairs.csv`` -- every pair of posts whose article is a planted near-duplicate;
* ``hard_negatives.csv`` -- pairs of posts that share a title but not the article;
* ``posts.jsonl`` (optional) -- the expected ``posts`` rows, one per post.

Articles are assembled from template sentences shared by many posts (intro and
closing boilerplate, reused headings, theme sentences) plus per-post choices
(stack, problem, scenario, tools, numbers, sentence picks), so unrelated posts
overlap the way generated corpora do without being near-duplicates.

Everything comes from one ``random.Random(seed)`` stream: the same seed gives the
same bytes on any machine.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import json
import os
import queue
import random
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

__all__ = ["SynthResult", "generate", "article_key", "POST_COLUMNS", "DUP_KINDS"]

POST_COLUMNS = (
    "post_id", "site", "title", "body", "topic", "summary", "status", "version",
    "last_reviewed", "view_count", "reading_time", "difficulty", "code_language",
    "score_quality", "score_freshness", "score_depth", "score_clarity",
    "ai_generated_style", "has_images", "image_heavy", "needs_human_review",
    "stack", "tools", "checklist", "entities", "reference", "content_hash",
)
DUP_KINDS = ("exact", "light_edit", "reorder", "case_whitespace", "copy_of_copy", "group")
SHARD_SIZE = 10_000


@dataclass
class SynthResult:
    out_dir: Path
    pages_dir: Path
    files: int
    posts: int
    truth_pairs: int
    seconds: float


def article_key(title: str | None, body: str | None) -> str:
    """The text near-duplicates are judged on: title + newline + body, lowercased, whitespace collapsed."""
    return " ".join(f"{title or ''}\n{body or ''}".lower().split())


# =========================================================================== vocabulary
# Sites: (name in the meta header, source-id prefix, weight, generator names).
SITES = (
    ("alphanode", "alphanode", 34, ("anp content synthesizer", "anp content synthesizer v2")),
    ("bytegarden", "bytegarden", 16, ("bytegarden drafting bot", "anp content synthesizer")),
    ("stack harbor", "stackharbor", 14, ("harbor writer 3", "harbor writer 4")),
    ("devlantern", "devlantern", 13, ("lantern ghostwriter",)),
    ("codemeadow", "codemeadow", 12, ("meadow autodraft", "anp content synthesizer")),
    ("opsfield", "opsfield", 11, ("opsfield notes engine",)),
)

# Stacks: name -> (area, language label for the stack list, code language, tools).
STACKS = {
    "next.js": ("frontend", "typescript", "typescript",
                ("server components", "edge cache", "vercel", "app router", "middleware", "isr")),
    "django": ("backend", "python", "python",
               ("django orm", "celery", "gunicorn", "django admin", "migrations", "pytest")),
    "rails": ("backend", "ruby", "ruby",
              ("active record", "sidekiq", "puma", "rspec", "action cable", "bundler")),
    "laravel": ("backend", "php", "php",
                ("eloquent", "horizon", "artisan", "queues", "blade", "octane")),
    "wordpress": ("cms", "php", "php",
                  ("wp-cli", "object cache", "cron events", "gutenberg", "woocommerce", "php-fpm")),
    "postgres": ("database", "sql", "sql",
                 ("explain analyze", "pg_stat_statements", "pgbouncer", "vacuum", "logical replication", "psql")),
    "kubernetes": ("infrastructure", "yaml", "yaml",
                   ("kubectl", "helm", "hpa", "ingress", "prometheus", "argo cd")),
    "react": ("frontend", "javascript", "javascript",
              ("react query", "vite", "suspense", "react profiler", "storybook", "jest")),
    "go": ("backend", "go", "go",
           ("goroutines", "pprof", "go test", "context", "sqlc", "chi router")),
    "rust": ("systems", "rust", "rust",
             ("tokio", "cargo", "clippy", "serde", "axum", "criterion")),
    "vue": ("frontend", "javascript", "typescript",
            ("pinia", "vite", "vue router", "nuxt", "vitest", "volar")),
    "fastapi": ("backend", "python", "python",
                ("pydantic", "uvicorn", "sqlalchemy", "alembic", "httpx", "pytest")),
}
STACK_NAMES = tuple(STACKS)
GENERAL_TOOLS = ("git", "logs", "docker", "github actions", "sentry", "grafana", "nginx",
                 "cloudflare", "terraform", "make", "redis", "opentelemetry")

# Problems: name -> theme.
PROBLEMS = {
    "handling background jobs": "jobs", "scheduling cron tasks": "jobs",
    "handling webhooks reliably": "jobs", "batching analytics events": "jobs",
    "caching api responses": "caching", "serving responsive images": "caching",
    "cleaning up stale sessions": "caching",
    "reducing cold start time": "performance", "debugging memory leaks": "performance",
    "tracing slow requests": "observability", "alerting on error spikes": "observability",
    "paginating large tables": "database", "migrating a legacy schema": "database",
    "managing database connections": "database", "recovering from failed migrations": "database",
    "rotating secrets safely": "security", "rate limiting public endpoints": "security",
    "auditing user permissions": "security",
    "speeding up ci pipelines": "deploy", "shipping zero-downtime deploys": "deploy",
    "structuring feature flags": "deploy",
    "handling file uploads": "api", "versioning a public api": "api",
    "sending transactional email": "api", "localizing content": "api",
}
PROBLEM_NAMES = tuple(PROBLEMS)
SCENARIOS = (
    "on a single vps", "in a small team", "behind a cdn", "on kubernetes", "with a tight budget",
    "during a traffic spike", "in a monorepo", "for a multi-tenant saas", "on shared hosting",
    "with legacy code", "in a regulated industry", "across three regions", "with a read replica",
    "on serverless functions", "for an e-commerce launch", "in a weekend project",
)
TITLE_PATTERNS = (
    "{stack} notes: {problem} {scenario}",
    "{problem} in {stack} {scenario}",
    "a practical guide to {problem} with {stack}",
    "{stack} in production: {problem}",
    "how we approach {problem} in {stack} {scenario}",
    "{problem} {scenario}: a {stack} checklist",
    "lessons from {problem} with {stack}",
    "{stack} field guide: {problem} {scenario}",
    "what to check before {problem} in {stack}",
    "{problem} with {stack}, step by step",
)

INTROS = (
    "when a project grows, {problem} stops being a small cleanup task and becomes part of the way "
    "the team ships software. this {site} note walks through a practical approach to {stack} {scenario}.",
    "most teams meet {problem} long before they plan for it. this {site} article collects what worked "
    "for us with {stack} {scenario}, and what we would not repeat.",
    "{problem} looks simple in a tutorial and surprisingly subtle in production. here is how the {site} "
    "team handles it in {stack} {scenario}.",
    "this {site} guide is about {problem} in {stack}. it assumes a working setup {scenario} and focuses "
    "on the decisions that are hard to undo later.",
    "we rewrote our approach to {problem} twice before it held up. the notes below describe the third "
    "version, built on {stack} {scenario}, as published on {site}.",
    "if you run {stack} {scenario}, {problem} will eventually take an afternoon you did not plan for. "
    "this {site} walkthrough tries to make that afternoon shorter.",
    "the {site} editors asked for a short, honest write-up on {problem}. this one covers {stack} "
    "{scenario} and keeps the advice close to what we actually run.",
    "there is no single switch for {problem}. this {site} note explains the trade-offs in {stack} "
    "{scenario} and the order in which we apply them.",
)
NONASCII_INTRO = ("the team’s review – short, naïve questions first, café-style – keeps the change "
                  "honest and easy to follow.")
CLOSINGS = (
    "the best result is not only a faster or cleaner {stack} implementation. it is a change that another "
    "developer can inspect, understand, and safely repeat. keep the final commands, metrics, and "
    "assumptions close to the article so future maintenance is easier.",
    "whatever you change, write down why. the next person to touch {problem} in {stack} will thank you, "
    "and that person is often you, six months later.",
    "treat this as a starting point rather than a recipe. {scenario}, the right answer depends on load, "
    "budget, and how much risk the team can carry.",
    "small, verified steps beat a heroic rewrite. measure, change one thing, measure again, and keep "
    "the notes where the {stack} code lives.",
    "if one idea survives from this note, let it be this: make {problem} boring. boring systems are "
    "the ones that can be fixed at three in the morning.",
    "review the checklist again after the first week in production. the numbers you collect then are "
    "worth more than any estimate made before the change.",
)
HEADINGS = (
    "production checks", "why this matters", "the approach", "common mistakes", "what we measured",
    "trade-offs", "rollout plan", "before you start", "how it works", "edge cases",
    "monitoring the change", "what we would do differently", "background", "a safer default",
    "testing the change", "operational notes", "cost and capacity", "failure modes",
)
CHECK_HEADINGS = ("implementation checklist", "checklist", "before you ship", "quick checklist",
                  "review checklist")
FINAL_HEADINGS = ("final notes", "final notes", "final notes", "wrapping up", "closing thoughts")

GENERIC_SENTENCES = (
    "cache rules should be written for people who will debug them later.",
    "name the rule, document the bypass conditions, and include examples of pages that should "
    "and should not be cached.",
    "database changes need extra care.",
    "check the existing indexes, inspect the query plan, and test the migration on a copy of real data.",
    "the fastest query in development can still become the slowest request in production.",
    "monitoring should answer simple questions quickly: is the service up, is it slow, are jobs "
    "failing, and did the last deployment change anything.",
    "dashboards are useful only when the signals are easy to understand during pressure.",
    "for performance work, change one variable at a time.",
    "measure the before state, apply the smallest safe change, clear only the cache that matters, "
    "and compare the result.",
    "this avoids confusing a lucky cache hit with a real fix.",
    "a rollback plan that nobody has rehearsed is a wish, not a plan.",
    "write the runbook while the details are still fresh.",
    "keep configuration in one place and review it like code.",
    "it’s tempting to fix everything at once; don’t.",
    "small pull requests get better reviews than large ones.",
    "the on-call engineer should be able to find the switch in under a minute.",
    "defaults matter more than documentation, because most people never change them.",
    "every retry needs a limit and every limit needs an alert.",
    "logs without request ids turn a ten minute investigation into an afternoon.",
    "an idempotent operation is one you can run twice without fear.",
    "staging rarely has production’s data shape, so test with a realistic sample.",
    "a feature that cannot be turned off is a feature that cannot be rolled back.",
    "timeouts belong on every network call, including the ones that “never fail”.",
    "write the failure down before writing the fix.",
    "a clear owner for each scheduled task saves hours when something goes quiet.",
    "prefer boring technology for the parts that wake people up.",
    "the second incident is cheaper than the first only if the first one was written up.",
    "graphs should show the budget line, not just the measurement.",
    "a checklist is not bureaucracy when it prevents the same outage twice.",
    "if the change touches user data, get a second reviewer.",
    "most regressions hide in the code paths nobody exercises in tests.",
    "document the why next to the what, in the repository, not in a chat thread.",
    "pin versions for anything that runs in production.",
    "automate the boring check before automating the clever one.",
    "a good alert tells you what broke and where to look first.",
)
THEME_SENTENCES = {
    "jobs": (
        "large content sites need predictable background work.",
        "queues, cron events, and import scripts should be idempotent, logged, and safe to run again.",
        "that makes recovery much easier when a request stops halfway through.",
        "a job that silently fails is worse than one that fails loudly.",
        "keep the payload small and load the rest from the database when the job runs.",
        "dead letter queues are only useful if someone reads them.",
        "scheduled work should record when it last succeeded, not only when it last ran.",
        "retries with exponential backoff protect the downstream service as much as the job.",
        "separate slow jobs from fast ones so a backlog in one does not starve the other.",
        "webhooks arrive twice, out of order, or not at all; design for all three.",
        "a job runner with no concurrency limit will eventually exhaust the database pool.",
        "store a job’s attempt count with its result so failures can be grouped later.",
    ),
    "caching": (
        "a cache is a promise about staleness, so write that promise down.",
        "vary headers decide what the cache thinks is the same response.",
        "purging everything on deploy hides bugs and punishes the origin.",
        "short ttls with stale-while-revalidate are a forgiving default.",
        "cache keys must include everything that changes the response, and nothing else.",
        "a cold cache after a deploy behaves like a small traffic spike.",
        "personalised pages should never land in a shared cache.",
        "image variants multiply quickly; limit the sizes you generate.",
        "session stores grow quietly until the day they do not fit in memory.",
        "measure the hit ratio per route, not only the global average.",
        "a cache stampede is the same expensive query started a hundred times at once.",
        "expire sessions on the server; a cookie expiry is only a hint.",
    ),
    "performance": (
        "profile before optimising; intuition about hot paths is usually wrong.",
        "cold starts are dominated by what the process loads, not by what it computes.",
        "lazy imports move the cost, they do not remove it.",
        "memory that grows with uptime is a leak until proven otherwise.",
        "a heap snapshot before and after a load test tells more than a week of guessing.",
        "p95 latency is the number users remember, not the average.",
        "bundle size is a performance budget like any other.",
        "connection setup often costs more than the query that follows it.",
        "the garbage collector is not the enemy, allocation churn is.",
        "warm-up requests hide cold start problems in benchmarks but not in production.",
        "flame graphs are easiest to read when the workload is repeatable.",
        "reduce the work per request before adding more machines.",
    ),
    "observability": (
        "a trace that stops at the service boundary only tells half the story.",
        "sample traces by interest, not only by rate: keep the slow and the failed ones.",
        "an alert on error rate needs a minimum volume, or it pages on two requests.",
        "structured logs make it possible to ask questions nobody planned for.",
        "correlate deploy markers with latency graphs; most spikes have an obvious cause.",
        "span names should describe the operation, not the url with ids in it.",
        "high-cardinality labels turn a cheap metric into an expensive one.",
        "an error spike after a quiet night is often a scheduled job, not users.",
        "keep one dashboard per question rather than one per service.",
        "silence an alert only with an expiry date and a reason.",
        "the slowest request in a trace is rarely the one that started the problem.",
        "synthetic checks catch the outage that real traffic has not reached yet.",
    ),
    "database": (
        "offset pagination gets slower with every page; keyset pagination does not.",
        "a migration that locks a large table is an outage with extra steps.",
        "add the column, backfill in batches, then add the constraint.",
        "connection pools should be sized for the database, not for the app servers.",
        "a failed migration leaves the schema somewhere between two versions; know which.",
        "long transactions block vacuum and bloat tables over time.",
        "test the down migration as seriously as the up migration.",
        "an index that is never used still slows down every write.",
        "read replicas lag; decide which pages can tolerate it.",
        "legacy schemas carry business rules in column names; read them before renaming.",
        "count queries on large tables are rarely as cheap as they look.",
        "a statement timeout is a safety net for the query you forgot about.",
    ),
    "security": (
        "secrets should rotate on a schedule, not only after an incident.",
        "two valid keys during rotation is the trick that avoids downtime.",
        "rate limits belong at the edge and in the application, for different reasons.",
        "log the decision of a permission check, not the secret that was checked.",
        "permissions drift; an audit is a diff between what is granted and what is used.",
        "a public endpoint without a rate limit is an invitation.",
        "store the hash of an api token, never the token itself.",
        "least privilege is easier to keep than to restore.",
        "an expired certificate is the most predictable outage there is.",
        "every admin action should leave an audit record with who, what, and when.",
        "separate read and write credentials for the same database.",
        "review who can deploy as carefully as who can read production data.",
    ),
    "deploy": (
        "a deploy should be boring enough to run on a friday, even if you choose not to.",
        "blue-green deploys need a plan for the database, not only for the servers.",
        "feature flags need owners and expiry dates, or they become configuration debt.",
        "cache dependencies in ci, but key them on the lock file.",
        "split slow test suites and run them in parallel before buying bigger runners.",
        "a health check that only returns 200 tells the load balancer nothing.",
        "roll out to one region or one percent first, then watch the graphs.",
        "the pipeline should fail fast on lint and type errors.",
        "keep the last known good artifact one command away.",
        "zero-downtime deploys depend on old and new code running side by side.",
        "flaky tests erode trust in the pipeline faster than slow ones.",
        "tag every release so a rollback is a name, not an archaeology project.",
    ),
    "api": (
        "uploads should go straight to object storage with a signed url, not through the app server.",
        "validate file types by content, not by extension.",
        "a public api version is a promise; break it only with a migration path.",
        "transactional email needs retries, bounces, and a suppression list.",
        "deprecation headers give clients time to move before anything breaks.",
        "translations drift from the source text unless someone owns the glossary.",
        "localised dates and numbers are part of the content, not decoration.",
        "idempotency keys make retried requests safe for clients and servers.",
        "return errors that a client can act on, with a stable code.",
        "large responses should be paginated from the first version of the api.",
        "email templates deserve tests, because broken ones are sent to customers.",
        "multipart uploads survive flaky connections; single requests do not.",
    ),
}
STACK_SENTENCES = (
    "for this {stack} case, keep the owner, expected result, and rollback note in the same place.",
    "the {site} approach is to prefer a small verified change over a broad rewrite.",
    "in {stack}, {tool} is usually the first place to look.",
    "we leaned on {tool} and {tool2} for most of the work.",
    "{tool} made the problem visible; {tool2} made it fixable.",
    "the {lang} code for this stays short, which is the point.",
    "{stack} gives you reasonable defaults here, but {scenario} they need tuning.",
    "if you already use {tool}, start there before adding another moving part.",
    "the {stack} documentation covers the basics; the gaps are in how {tool} behaves under load.",
    "we keep the {tool} configuration next to the {lang} code it affects.",
    "{scenario}, the simplest {stack} setup that works is usually the right one.",
    "a short {lang} script that checks the result is worth more than a long explanation.",
    "the upgrade notes for {tool} mention this, but only in passing.",
    "pairing {tool} with {general} gave us the visibility we were missing.",
    "{general} caught the regression before users did.",
    "on {site} we document each {stack} change with the command that verifies it.",
    "our {stack} services share one {tool} setup, which keeps the behaviour predictable.",
    "before touching {tool}, capture what {general} shows for a normal day.",
)
NUMBER_SENTENCES = (
    "in our measurements the p95 latency went from {ms1} ms to {ms2} ms after the change.",
    "roughly {pct}% of requests hit the slow path before the fix.",
    "the {tool} dashboard showed {n} failures over {days} days.",
    "the change took {hours} hours to roll out and about {mins} minutes to verify.",
    "memory settled at {mb} mb per worker instead of climbing without limit.",
    "we saw {n} retries in the first week → almost none after the second deploy.",
    "the backlog peaked at {big} items before the workers caught up.",
    "build time dropped from {mins} minutes to {mins2} minutes.",
    "about one request in {ratio} used to time out.",
    "the table held {big} rows, so every full scan mattered.",
    "error rate stayed under {pct2}% during the whole rollout.",
    "we tested against a copy with {big} records from {year}–{year2}.",
)
CHECKLISTS = {
    "jobs": ("make jobs idempotent", "set retry limits", "alert on dead letters", "log job durations",
             "separate slow and fast queues", "record the last success time", "cap worker concurrency",
             "verify webhook signatures", "document the replay procedure"),
    "caching": ("define cache keys", "set explicit ttls", "avoid caching personalised pages",
                "measure hit ratio per route", "plan for cold starts", "purge by tag, not everything",
                "limit image variants", "expire sessions server side", "document bypass rules"),
    "performance": ("profile before optimising", "record a baseline", "check memory over time",
                    "take heap snapshots", "watch p95, not the average", "set a bundle budget",
                    "reuse connections", "retest after each change", "compare before and after metrics"),
    "observability": ("add request ids to logs", "sample slow traces", "set minimum volumes for alerts",
                      "mark deploys on graphs", "name spans by operation", "avoid high-cardinality labels",
                      "add synthetic checks", "give every alert a runbook", "review silenced alerts"),
    "database": ("review query plans", "add indexes carefully", "test with realistic data",
                 "compare before and after metrics", "document the migration", "backfill in batches",
                 "set a statement timeout", "size the connection pool", "rehearse the rollback"),
    "security": ("rotate secrets on a schedule", "support two keys during rotation", "rate limit at the edge",
                 "hash stored tokens", "audit admin actions", "remove unused grants",
                 "separate read and write credentials", "monitor certificate expiry", "review deploy access"),
    "deploy": ("cache ci dependencies", "fail fast on lint", "split slow test suites", "add a real health check",
               "roll out gradually", "keep the last good artifact", "give flags an owner and expiry",
               "tag every release", "quarantine flaky tests"),
    "api": ("upload with signed urls", "validate file contents", "version the api explicitly",
            "send deprecation headers", "handle email bounces", "use idempotency keys",
            "return stable error codes", "paginate from day one", "test email templates"),
}
ACTIONS = ("measure first, change carefully, document the result", "start with the smallest safe change",
           "add monitoring before optimising", "write the rollback plan first",
           "fix the root cause, then automate the check", "test on a copy of production data",
           "roll out gradually and watch the graphs", "simplify before scaling")
EMPHASES = ("measurement", "safe defaults", "rollback planning", "maintainable documentation",
            "gradual rollout", "observability", "cost control", "testing with real data",
            "team ownership", "security review")
SUMMARIES = (
    "this ai-style technical summary explains {problem} in {stack}, with emphasis on {e1}, {e2}, {e3}, and {e4}.",
    "a practical overview of {problem} for {stack} teams working {scenario}, focused on {e1} and {e2}.",
    "covers {problem} in {stack}: what to measure, what to change first, and how to keep {e1} in view.",
    "an editorial summary of {problem} with {stack}; the article stresses {e1}, {e2}, and {e3}.",
)
BRIEFS = (
    "the article is written like a careful ai generated engineering draft: it explains the reason for the "
    "change, lists operational checks, and avoids pretending that one command fixes every production case.",
    "drafted by the content generator from an outline, then lightly edited for tone and accuracy.",
    "a generated first draft that keeps claims modest and points the reader to measurements.",
    "written from a structured outline; sections follow problem, approach, checks, and notes.",
    "machine drafted, human skimmed: treat numbers as illustrative until reviewed.",
    "generated in the house style: short paragraphs, concrete checks, no marketing language.",
)
NOTES = (
    "sanitized array meta is expected to render as a list in the frontend box",
    "view count is synthetic and only used for testing meta volume",
    "content is generated for import/load testing and should be reviewed before indexing",
    "scores are produced by the generator’s heuristic, not by an editor",
    "outline fields are kept for traceability of the generated draft",
    "the reference id links to the legacy cms record",
    "images referenced in the article are placeholders",
    "checklist items mirror the article’s checklist section",
)
STATUSES = (("published", 46), ("needs update", 16), ("drafted", 13), ("in review", 12), ("archived", 13))
DIFFICULTIES = (("beginner", 35), ("intermediate", 45), ("advanced", 20))
# Unknown meta keys: scalars glued like the known ones, and lists.  None starts with a known key.
UNKNOWN_SCALARS = ("word count", "comment count", "locale", "canonical url", "author", "license")
UNKNOWN_LISTS = ("tags", "related posts", "translations", "hashtags")
FILLERS = ("also", "usually", "really", "often", "still", "simply", "always", "quite", "mostly", "now")
SYNONYMS = {
    "change": "update", "small": "minor", "safe": "safer", "team": "group", "quickly": "fast",
    "check": "verify", "large": "big", "simple": "plain", "problem": "issue", "fix": "repair",
    "test": "try", "slow": "sluggish", "write": "record", "keep": "hold", "first": "initial",
    "result": "outcome", "usually": "typically", "only": "just", "every": "each", "make": "render",
    "start": "begin", "users": "readers", "code": "source", "plan": "strategy", "easier": "simpler",
}
BAD_DATES = ("2019-02-30", "2021-02-29", "2018-13-04", "2020-04-31", "2017-11-31", "2022-00-10")
BAD_SCORES = ("130", "n/a", "101", "-4", "250")
BAD_VIEWS = ("n/a", "unknown", "tbd")

DATE_LO = _dt.date(2015, 1, 1).toordinal()
DATE_HI = _dt.date(2026, 11, 20).toordinal()
# Review dates skew recent: weights per year 2015..2026.
YEAR_WEIGHTS = (2, 2, 3, 3, 4, 5, 6, 7, 9, 11, 14, 12)

# Irregularity rates (share of posts) when irregular=True.  Each kind with a
# non-zero rate appears at least once in a corpus of 100 posts or more.
RATES = {
    "crlf": 0.03, "bom": 0.02, "cp1252": 0.02, "bullet_dash": 0.01, "bullet_star": 0.01,
    "bullet_tab": 0.01, "meta_order": 0.03, "unknown_meta": 0.03, "thousands_sep": 0.04,
    "bad_date": 0.01, "bad_score": 0.01, "bad_view_count": 0.01, "truncated_meta": 0.01,
    "no_meta": 0.01, "revision": 0.02, "no_chrome": 0.02, "footer_links": 0.04,
}
REJECT_RATES = {"empty": 0.003, "whitespace_only": 0.003, "binary": 0.003}
BULLETS = {  # style -> (list bullet, entity bullet)
    None: ("  • ", "    • "), "bullet_dash": ("  - ", "    - "),
    "bullet_star": ("  * ", "    * "), "bullet_tab": ("\t• ", "\t\t• "),
}
# Fields whose value is replaced by an unparseable one -> planting function key.
_NO_ID = ("no_meta", "truncated_meta", "large_file")


# Fast draws: random.Random's choice/randint/sample are Python-level and dominate the
# generator's time; these use only rng.random() and stay deterministic for a seed.
def _ch(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


def _ri(rng: random.Random, a: int, b: int) -> int:
    return a + int(rng.random() * (b - a + 1))


def _sa(rng: random.Random, seq, k: int) -> list:
    idx = list(range(len(seq)))
    n = len(idx)
    rnd = rng.random
    for j in range(k):
        m = j + int(rnd() * (n - j))
        idx[j], idx[m] = idx[m], idx[j]
    return [seq[i] for i in idx[:k]]


def _cum(pairs):
    names, weights = zip(*pairs, strict=True)
    total, acc = 0, []
    for w in weights:
        total += w
        acc.append(total)
    return names, acc


_STATUS_NAMES, _STATUS_CUM = _cum(STATUSES)
_DIFF_NAMES, _DIFF_CUM = _cum(DIFFICULTIES)
_SITE_NAMES, _SITE_CUM = _cum([(s, w) for s, _p, w, _g in SITES])
_SITE_INFO = {s: (prefix, gens) for s, prefix, _w, gens in SITES}
_YEAR_NAMES, _YEAR_CUM = _cum(list(zip(range(2015, 2027), YEAR_WEIGHTS, strict=True)))


# =========================================================================== articles
class _Article:
    """An article as blocks: title, intro, sections [(heading, 'p'|'ul', [texts])], final heading + text."""

    __slots__ = ("title", "intro", "sections", "final_heading", "final")

    def __init__(self, title, intro, sections, final_heading, final):
        self.title, self.intro, self.sections = title, intro, sections
        self.final_heading, self.final = final_heading, final

    def copy(self) -> "_Article":
        return _Article(self.title, self.intro, [(h, k, list(t)) for h, k, t in self.sections],
                        self.final_heading, self.final)

    def render(self, bullet: str) -> str:
        out = [self.title, "", self.intro]
        for heading, kind, texts in self.sections:
            out.append("")
            out.append(heading)
            out.append("")
            if kind == "ul":
                out.append("\n".join(bullet + t for t in texts))
            else:
                out.append("\n\n".join(texts))
        out += ["", self.final_heading, "", self.final]
        return "\n".join(out)

    def checklist(self) -> list[str]:
        for _h, kind, texts in self.sections:
            if kind == "ul":
                return list(texts)
        return []

    def paragraphs(self) -> int:
        return sum(len(t) for _h, k, t in self.sections if k == "p") + 1


def _body_of(rendered: str) -> tuple[str, str]:
    """(title, body) exactly as a correct parser extracts them from the rendered article."""
    title, _, rest = rendered.partition("\n")
    lines = [ln.rstrip() for ln in rest.split("\n")]
    a, b = 0, len(lines)
    while a < b and not lines[a]:
        a += 1
    while b > a and not lines[b - 1]:
        b -= 1
    return title.strip(), "\n".join(lines[a:b])


class _Writer:
    """Turns a post's choices into article text (the expensive, per-post part)."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def slots(self, site, stack, problem, scenario) -> dict[str, Any]:
        r = self.rng
        tools = STACKS[stack][3]
        t1, t2 = _sa(r, tools, 2)
        ms1 = _ri(r, 180, 4200)
        mins = _ri(r, 9, 55)
        year = _ri(r, 2015, 2024)
        return {
            "site": site, "stack": stack, "problem": problem, "scenario": scenario,
            "tool": t1, "tool2": t2, "general": _ch(r, GENERAL_TOOLS), "lang": STACKS[stack][2],
            "ms1": ms1, "ms2": _ri(r, 40, ms1 // 2), "pct": _ri(r, 3, 45),
            "pct2": _ch(r, ("0.1", "0.2", "0.5", "1", "2")), "n": _ri(r, 12, 4800),
            "days": _ri(r, 2, 30), "hours": _ri(r, 2, 40), "mins": mins,
            "mins2": _ri(r, 2, mins - 1), "mb": _ch(r, (128, 192, 256, 320, 384, 512, 768)),
            "big": f"{_ri(r, 2, 900)} {_ch(r, ('thousand', 'million'))}",
            "ratio": _ch(r, (20, 50, 80, 200, 500, 1000)), "year": year, "year2": year + _ri(r, 1, 2),
        }

    def sentence(self, theme: str, s: dict) -> str:
        r = self.rng
        x = r.random()
        if x < 0.34:
            return _ch(r, THEME_SENTENCES[theme])
        if x < 0.62:
            return _ch(r, GENERIC_SENTENCES)
        if x < 0.84:
            return _ch(r, STACK_SENTENCES).format_map(s)
        return _ch(r, NUMBER_SENTENCES).format_map(s)

    def paragraph(self, theme: str, s: dict) -> str:
        r = self.rng
        out = []
        for _ in range(_ri(r, 2, 4)):
            t = self.sentence(theme, s)
            if t not in out:
                out.append(t)
        return " ".join(out)

    def article(self, title, site, stack, problem, scenario, *, nonascii=False, large=0) -> _Article:
        r = self.rng
        theme = PROBLEMS[problem]
        s = self.slots(site, stack, problem, scenario)
        intro = _ch(r, INTROS).format_map(s)
        if nonascii:
            intro += " " + NONASCII_INTRO
        n_sections = _ri(r, 1, 3)
        headings = _sa(r, HEADINGS, n_sections)
        sections = [(h, "p", [self.paragraph(theme, s) for _ in range(_ri(r, 1, 4))]) for h in headings]
        items = _sa(r, CHECKLISTS[theme], _ri(r, 4, 6))
        check = (_ch(r, CHECK_HEADINGS), "ul", items)
        if r.random() < 0.8:
            sections.append(check)
        else:
            sections.insert(_ri(r, 0, len(sections) - 1), check)
        if large:   # a giant page: a few hundred fresh paragraphs, then recycled in new sections
            pool = [self.paragraph(theme, s) for _ in range(300)]
            size = sum(len(p) for _h, k, t in sections for p in t)
            while size < large:
                h = f"{_ch(r, HEADINGS)} (part {len(sections)})"
                paras = [_ch(r, pool) for _ in range(_ri(r, 3, 8))]
                size += sum(len(p) + 2 for p in paras) + len(h)
                sections.append((h, "p", paras))
        return _Article(title, intro, sections, _ch(r, FINAL_HEADINGS), _ch(r, CLOSINGS).format_map(s))


# --------------------------------------------------------------------------- planted edits
def _light_edit(rng: random.Random, art: _Article) -> _Article:
    """A few words replaced, inserted or deleted in the prose (2..5 edits)."""
    new = art.copy()
    slots = [(i, j) for i, (_h, k, t) in enumerate(new.sections) if k == "p" for j in range(len(t))]
    slots += [("intro", 0), ("final", 0)]
    for _ in range(_ri(rng, 2, 5)):
        where = _ch(rng, slots)
        if where[0] == "intro":
            text = new.intro
        elif where[0] == "final":
            text = new.final
        else:
            text = new.sections[where[0]][2][where[1]]
        words = text.split(" ")
        pos = rng.randrange(1, len(words)) if len(words) > 1 else 0
        op = rng.random()
        w = words[pos]
        if op < 0.45 and w in SYNONYMS:
            words[pos] = SYNONYMS[w]
        elif op < 0.75 or len(words) < 6:
            words.insert(pos, _ch(rng, FILLERS))
        elif len(w) >= 3 and not w.endswith((".", ":", ";", ",")):
            del words[pos]
        else:
            words.insert(pos, _ch(rng, FILLERS))
        text = " ".join(words)
        if where[0] == "intro":
            new.intro = text
        elif where[0] == "final":
            new.final = text
        else:
            new.sections[where[0]][2][where[1]] = text
    return new


def _reorder(rng: random.Random, art: _Article) -> _Article:
    """Sections in another order (there are always at least two: prose + checklist)."""
    new = art.copy()
    order = list(range(len(new.sections)))
    if len(order) >= 2:
        while order == sorted(order):
            rng.shuffle(order)
        new.sections = [new.sections[i] for i in order]
    return new


def _cap_sentences(text: str) -> str:
    parts = text.split(". ")
    return ". ".join(p[:1].upper() + p[1:] for p in parts)


def _case_whitespace(rng: random.Random, art: _Article) -> _Article:
    """Case and whitespace changes only: identical after lowercasing and collapsing whitespace."""
    new = art.copy()
    ops = _sa(rng, ("cap", "titlecase", "upper_heading", "double_space", "blank_lines"), _ri(rng, 1, 3))
    if "cap" in ops:
        new.intro = _cap_sentences(new.intro)
        new.final = _cap_sentences(new.final)
        new.sections = [(h, k, [_cap_sentences(t) for t in ts] if k == "p" else ts) for h, k, ts in new.sections]
    if "titlecase" in ops:
        new.title = new.title.title()
        new.sections = [(h.title(), k, ts) for h, k, ts in new.sections]
        new.final_heading = new.final_heading.title()
    if "upper_heading" in ops:
        i = rng.randrange(len(new.sections))
        h, k, ts = new.sections[i]
        new.sections[i] = (h.upper(), k, ts)
        new.final_heading = new.final_heading.upper()
    if "double_space" in ops:
        new.intro = new.intro.replace(". ", ".  ")
        new.sections = [(h, k, [t.replace(", ", ",  ") for t in ts] if k == "p" else ts)
                        for h, k, ts in new.sections]
    if "blank_lines" in ops:
        new.final = "\n" + new.final
        h, k, ts = new.sections[0]
        new.sections[0] = (h, k, ["\n" + ts[0]] + ts[1:]) if k == "p" else (h + "\n", k, ts)
    return new


# =========================================================================== meta box
def _date_text(rng: random.Random) -> str:
    year = _YEAR_NAMES[_pick(rng, _YEAR_CUM)]
    lo = max(DATE_LO, _dt.date(year, 1, 1).toordinal())
    hi = min(DATE_HI, _dt.date(year, 12, 31).toordinal())
    return _dt.date.fromordinal(_ri(rng, lo, hi)).isoformat()


def _pick(rng: random.Random, cum: list[int]) -> int:
    x = rng.random() * cum[-1]
    for i, c in enumerate(cum):
        if x < c:
            return i
    return len(cum) - 1


def _version(rng: random.Random) -> str:
    major = _ch(rng, (0, 1, 1, 1, 2, 2, 3, 4))
    minor = _ri(rng, 0, 12)
    if rng.random() < 0.06:
        return f"{major}.{minor}"
    return f"{major}.{minor}.{_ri(rng, 0, 9)}"


def _older_version(rng: random.Random, version: str) -> str:
    """A version strictly lower than ``version`` under numeric comparison (often not under string)."""
    parts = [int(p) for p in version.split(".")]
    while len(parts) < 3:
        parts.append(0)
    major, minor, patch = parts
    if minor >= 10 and rng.random() < 0.6:   # 1.10.x -> 1.9.y: lower numerically, higher as a string
        return f"{major}.{_ri(rng, minor - 8, 9)}.{_ri(rng, 0, 9)}"
    if patch > 0 and rng.random() < 0.5:
        return f"{major}.{minor}.{_ri(rng, 0, patch - 1)}"
    if minor > 0:
        return f"{major}.{_ri(rng, 0, minor - 1)}.{_ri(rng, 0, 9)}"
    if major > 0:
        return f"{major - 1}.{_ri(rng, 0, 12)}.{_ri(rng, 0, 9)}"
    return "0.0.0" if version != "0.0.0" else version  # unreachable for generated versions > 0.0.0


def _newer_version(rng: random.Random) -> str:
    """A current version for a post that has an older revision (never 0.0.0)."""
    v = _version(rng)
    if rng.random() < 0.4:   # make 9 -> 10 style comparisons common
        major = _ri(rng, 1, 3)
        v = f"{major}.{_ri(rng, 10, 12)}.{_ri(rng, 0, 4)}"
    return v if v not in ("0.0", "0.0.0") else "0.1.0"


def _view_count(rng: random.Random) -> int:
    if rng.random() < 0.04:
        return int(20_000 * rng.paretovariate(1.2))
    return int(rng.lognormvariate(7.6, 1.7))


def _clip(x: float) -> int:
    return 0 if x < 0 else 100 if x > 100 else int(x)


def _revision(r: random.Random, version: str | None, older_of: "_Meta | None") -> tuple[str, str, str | None]:
    """(status, version, last reviewed as printed) of a post, or of an older revision of
    ``older_of``: a lower version, an earlier review or none."""
    if older_of is not None:
        status = _ch(r, ("drafted", "in review", "published"))
        version = _older_version(r, older_of.version)
        lr = older_of.last_reviewed_raw
        if lr is None or lr == "never" or r.random() < 0.5:
            last_raw = _ch(r, ("never", None, _date_text(r)))
        else:
            d = _dt.date.fromisoformat(lr).toordinal() - _ri(r, 30, 900)
            last_raw = _dt.date.fromordinal(max(DATE_LO, d)).isoformat()
    else:
        status = _STATUS_NAMES[_pick(r, _STATUS_CUM)]
        version = version or _version(r)
        x = r.random()
        last_raw = "never" if x < 0.07 else None if x < 0.12 else _date_text(r)
    return status, version, last_raw


def _scores_and_flags(r: random.Random, last_raw: str | None) -> tuple[dict[str, int], dict[str, bool]]:
    """The generator's scores (freshness follows the review date, depth the quality) and flags."""
    if last_raw and last_raw != "never":
        age = (DATE_HI - _dt.date.fromisoformat(last_raw).toordinal()) / 365.0
        fresh = 96 - age * 8 + r.gauss(0, 9)
    else:
        fresh = r.gauss(28, 14)
    quality = r.gauss(72, 14)
    scores = {"quality": _clip(quality), "freshness": _clip(fresh),
              "depth": _clip(r.gauss(62, 18) + (quality - 72) * 0.4), "clarity": _clip(r.gauss(70, 13))}
    ai = r.random() < 0.72
    imgs = r.random() < 0.42
    flags = {"ai generated style": ai, "has images": imgs, "image heavy": imgs and r.random() < 0.3,
             "needs human review": r.random() < (0.25 if quality < 55 else 0.1)}
    return scores, flags


class _Meta:
    """One post's metadata: the blocks to print and the column values they imply."""

    def __init__(self, rng: random.Random, *, site, post_id, num, stack, problem, scenario, article,
                 content_hash, version=None, older_of=None):
        r = rng
        area, lang_label, code_lang, tools = STACKS[stack]
        self.site, self.post_id = site, post_id
        status, version, last_raw = _revision(r, version, older_of)
        self.version, self.last_reviewed_raw = version, last_raw
        views = _view_count(r) if older_of is None else max(0, (older_of.view_count or 0) // _ri(r, 2, 9))
        scores, flags = _scores_and_flags(r, last_raw)
        words = len(article.split())
        e = _sa(r, EMPHASES, 4)
        fmt = {"problem": problem, "stack": stack, "scenario": scenario,
               "e1": e[0], "e2": e[1], "e3": e[2], "e4": e[3]}
        tool_list = [stack] + _sa(r, tools, _ri(r, 2, 4)) + _sa(r, GENERAL_TOOLS, _ri(r, 1, 2))
        entities = [{"name": stack, "type": "stack"}, {"name": area, "type": "area"},
                    {"name": problem, "type": "problem"}]
        if r.random() < 0.4:
            entities.append({"name": tool_list[1], "type": "tool"})
        prefix, gens = _SITE_INFO[site]
        self.view_count = views
        self.values = {
            "topic": f"{problem} / {stack}",
            "summary": _ch(r, SUMMARIES).format_map(fmt),
            "ai_outline": {"context": scenario, "problem": problem, "stack": stack,
                           "recommended action": _ch(r, ACTIONS)},
            "ai_brief": _ch(r, BRIEFS),
            "stack": [stack, area, lang_label],
            "tools": tool_list,
            "code_language": code_lang,
            "difficulty": _DIFF_NAMES[_pick(r, _DIFF_CUM)],
            "reading_time": max(1, words // 60 + _ri(r, 0, 2)),
            "view_count": views,
            "scores": scores,
            "status": status, "version": version,
            "last_reviewed": last_raw if last_raw not in (None, "never") else None,
            "flags": flags,
            "reference": f"anp-ref-{num:06d}-{_ri(r, 0, 9999):04d}",
            "content_hash": content_hash,
            "checklist": [],
            "entities": entities,
            "generator": _ch(r, gens),
            "paragraphs": 0,
            "scenario": scenario,
            "seed": num,
            "notes": _sa(r, NOTES, _ri(r, 2, 3)),
        }
        self.view_text = str(views)
        self.bad: dict[str, str] = {}      # column -> the unparseable raw text printed instead
        self.unknown: list[dict] = []

    # -- irregular values
    def plant_bad(self, rng: random.Random, kind: str) -> None:
        if kind == "bad_date":
            self.bad["last_reviewed"] = _ch(rng, BAD_DATES)
        elif kind == "bad_score":
            self.bad["score_" + _ch(rng, ("quality", "freshness", "depth", "clarity"))] = _ch(rng, BAD_SCORES)
        elif kind == "bad_view_count":
            self.bad["view_count"] = _ch(rng, BAD_VIEWS)

    def plant_unknown(self, rng: random.Random) -> None:
        for _ in range(_ri(rng, 1, 2)):
            if rng.random() < 0.55:
                key = _ch(rng, UNKNOWN_SCALARS)
                value = {
                    "word count": lambda: str(_ri(rng, 300, 2400)),
                    "comment count": lambda: str(_ri(rng, 0, 90)),
                    "locale": lambda: _ch(rng, ("en-us", "en-gb", "de-de", "fr-fr")),
                    "canonical url": lambda: f"https://example.org/posts/{_ri(rng, 1000, 99999)}",
                    "author": lambda: _ch(rng, ("jane doe", "editorial bot", "a. nguyen", "r. müller")),
                    "license": lambda: _ch(rng, ("cc-by-4.0", "internal", "all rights reserved")),
                }[key]()
                self.unknown.append({"key": key, "value": value, "line": key + value})
            else:
                key = _ch(rng, UNKNOWN_LISTS)
                n = _ri(rng, 1, 4)
                if key == "related posts":
                    items = [f"{_ch(rng, SITES)[1]}-{_ri(rng, 1, 999999):06d}" for _ in range(n)]
                elif key == "translations":
                    items = _sa(rng, ("de", "fr", "es", "pt-br", "ja", "it"), n)
                else:
                    items = _sa(rng, STACK_NAMES + PROBLEM_NAMES, n)
                self.unknown.append({"key": key, "items": items})
        seen, uniq = set(), []
        for u in self.unknown:            # a key appears once per file
            if u["key"] not in seen:
                seen.add(u["key"])
                uniq.append(u)
        self.unknown = uniq

    # -- printing
    def blocks(self, bullet: str, ebullet: str, *, thousands: bool) -> list[tuple[str, str]]:
        v, bad = self.values, self.bad
        scores = v["scores"]
        views = bad.get("view_count") or (f"{v['view_count']:,}" if thousands else str(v["view_count"]))
        revision = [f"status: {v['status']}", f"version: {v['version']}"]
        if "last_reviewed" in bad:
            revision.append("last reviewed: " + bad["last_reviewed"])
        elif self.last_reviewed_raw is not None:
            revision.append("last reviewed: " + self.last_reviewed_raw)

        def lst(key, items, b=bullet):
            return key + "\n" + "\n".join(b + i for i in items)

        flags = v["flags"]
        out = [
            ("topic", "topic" + v["topic"]),
            ("summary", "summary" + v["summary"]),
            ("ai outline", lst("ai outline", [f"{k}: {x}" for k, x in v["ai_outline"].items()])),
            ("ai brief", "ai brief" + v["ai_brief"]),
            ("stack", lst("stack", v["stack"])),
            ("tools", lst("tools", v["tools"])),
            ("code language", "code language" + v["code_language"]),
            ("difficulty", "difficulty" + v["difficulty"]),
            ("reading time", "reading time" + str(v["reading_time"])),
            ("view count", "view count" + views),
            ("score", lst("score", [f"{k}: {bad.get('score_' + k, scores[k])}" for k in scores])),
            ("revision", lst("revision", revision)),
            ("reference", "reference" + v["reference"]),
            ("hash", "hash" + v["content_hash"]),
            ("flags", lst("flags", [f"{k}: {int(x)}" for k, x in flags.items()])),
            ("checklist", lst("checklist", v["checklist"])),
            ("entities", lst("entities", [f"{k}: {e[k]}" for e in v["entities"] for k in ("name", "type")],
                             ebullet)),
            ("payload", lst("payload", [f"source id: {self.post_id}", f"generator: {v['generator']}",
                                        f"paragraphs: {v['paragraphs']}", f"scenario: {v['scenario']}",
                                        f"seed: {v['seed']}"])),
            ("notes", lst("notes", v["notes"])),
        ]
        return out

    def fields(self, present: set[str] | None) -> tuple[dict, dict]:
        """(posts column values, extra values) a correct parser reads when the blocks in ``present`` are printed."""
        v, bad = self.values, self.bad

        def has(key):
            return present is None or key in present

        def val(key, col, value):
            if not has(key) or col in bad:
                return None
            return value

        f = {"post_id": val("payload", "post_id", self.post_id), "site": self.site}
        f["topic"] = val("topic", "topic", v["topic"])
        f["summary"] = val("summary", "summary", v["summary"])
        f["status"] = val("revision", "status", v["status"])
        f["version"] = val("revision", "version", v["version"])
        f["last_reviewed"] = val("revision", "last_reviewed", v["last_reviewed"])
        f["view_count"] = val("view count", "view_count", v["view_count"])
        f["reading_time"] = val("reading time", "reading_time", v["reading_time"])
        f["difficulty"] = val("difficulty", "difficulty", v["difficulty"])
        f["code_language"] = val("code language", "code_language", v["code_language"])
        for k, x in v["scores"].items():
            f["score_" + k] = val("score", "score_" + k, x)
        for k, x in v["flags"].items():
            f[k.replace(" ", "_")] = val("flags", k, x)
        f["stack"] = val("stack", "stack", list(v["stack"]))
        f["tools"] = val("tools", "tools", list(v["tools"]))
        f["checklist"] = val("checklist", "checklist", list(v["checklist"]))
        f["entities"] = val("entities", "entities", [dict(e) for e in v["entities"]])
        f["reference"] = val("reference", "reference", v["reference"])
        f["content_hash"] = val("hash", "content_hash", v["content_hash"])
        extra = {
            "ai_brief": val("ai brief", "ai_brief", v["ai_brief"]),
            "ai_outline": val("ai outline", "ai_outline", dict(v["ai_outline"])),
            "notes": val("notes", "notes", list(v["notes"])),
            "generator": val("payload", "generator", v["generator"]),
            "scenario": val("payload", "scenario", v["scenario"]),
            "paragraphs": val("payload", "paragraphs", v["paragraphs"]),
            "seed": val("payload", "seed", v["seed"]),
        }
        return f, extra


def _no_meta_fields() -> tuple[dict, dict]:
    f = dict.fromkeys(POST_COLUMNS)
    extra = dict.fromkeys(("ai_brief", "ai_outline", "notes", "generator", "scenario", "paragraphs", "seed"))
    return f, extra


# =========================================================================== the generator
class _Member:
    """What a later copy needs to know about a post in the duplicate pool."""

    __slots__ = ("post_id", "gid", "article", "stack", "problem", "scenario", "site", "is_copy", "depth")

    def __init__(self, post_id, gid, article, stack, problem, scenario, site, is_copy, depth):
        self.post_id, self.gid, self.article = post_id, gid, article
        self.stack, self.problem, self.scenario, self.site = stack, problem, scenario, site
        self.is_copy, self.depth = is_copy, depth


def _binary_blob(rng: random.Random) -> bytes:
    head = _ch(rng, (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
                       b"PK\x03\x04\x14\x00\x00\x00", b"\x00\x00\x01\x00\x01\x00"))
    n = _ri(rng, 200, 3000)
    return head + rng.getrandbits(8 * n).to_bytes(n, "little")


def _whitespace_blob(rng: random.Random) -> bytes:
    return "".join(_ch(rng, (" ", "\n", "\t", "\r\n", "  \n")) for _ in range(_ri(rng, 1, 40))).encode()


def generate(out_dir, posts: int, seed: int = 0, *, irregular: bool = True, dup_share: float = 0.15,
             jsonl: bool = False, progress: Callable[[int, int], Any] | None = None) -> SynthResult:
    """Write a synthetic corpus of ``posts`` posts to ``out_dir`` (see the module docstring).

    The steps: plan which posts get which irregularity (:class:`_Plan`), then make the
    posts one by one (:class:`_Generator`) into the files (:class:`_Output`), then write
    the answer keys.  Every draw comes from one ``random.Random(seed)``, in this order."""
    t0 = time.perf_counter()
    if posts < 0:
        raise ValueError("posts must be >= 0")
    if not 0.0 <= dup_share < 1.0:
        raise ValueError("dup_share must be in [0, 1)")
    out = Path(out_dir)
    pages = _prepare(out, jsonl)
    rng = random.Random(seed)
    plan = _Plan(rng, posts, irregular)
    output = _Output(out, rng, width=plan.width, sharded=posts > SHARD_SIZE, jsonl=jsonl)
    gen = _Generator(rng, plan, plan.copy_rate(dup_share), output)
    try:
        for i in range(posts):
            gen.post(i)
            if progress is not None and (i + 1) % 1000 == 0:
                progress(i + 1, posts)
        gen.write_pending()
    finally:
        output.close()
    if progress is not None:
        progress(posts, posts)
    n_pairs = _write_truth_pairs(out / "truth_pairs.csv", gen.group_members)
    _write_hard_negatives(out / "hard_negatives.csv", gen.hard_negs)
    return SynthResult(out_dir=out, pages_dir=pages, files=output.file_no, posts=posts, truth_pairs=n_pairs,
                       seconds=round(time.perf_counter() - t0, 3))


def _prepare(out: Path, jsonl: bool) -> Path:
    """An empty ``out/pages`` folder (a previous synth corpus there is replaced); returns it."""
    pages = out / "pages"
    if pages.exists() and any(pages.iterdir()):
        # Only a previous synth corpus (recognised by its manifest) is replaced; never other folders.
        if not (out / "manifest.jsonl").is_file():
            raise FileExistsError(f"{pages} exists and is not a synth corpus; choose an empty OUT_DIR")
        shutil.rmtree(pages)
    pages.mkdir(parents=True, exist_ok=True)
    for stale in ("posts.jsonl",):
        if (out / stale).exists() and not jsonl:
            (out / stale).unlink()
    return pages


class _Plan:
    """Which posts get which irregularities, and which rejects follow which post: fixed up
    front so that the number of files (hence the width of file numbers) is known."""

    def __init__(self, rng: random.Random, posts: int, irregular: bool):
        self.posts = posts
        self.kinds: dict[int, list[str]] = {}
        self.rejects_after: dict[int, list[str]] = {}
        n_revisions = n_rejects = 0
        if irregular and posts:
            def count(rate):
                k = round(rate * posts)
                return min(posts, max(1, k) if posts >= 100 else k)
            for kind, rate in RATES.items():
                for i in rng.sample(range(posts), count(rate)):
                    self.kinds.setdefault(i, []).append(kind)
            for kind, rate in REJECT_RATES.items():
                for i in rng.sample(range(posts), count(rate)):
                    self.rejects_after.setdefault(i, []).append(kind)
                    n_rejects += 1
            n_large = 0 if posts < 200 else max(1, posts // 50_000)
            for i in rng.sample(range(posts), n_large):
                self.kinds[i] = ["large_file"]
            for kinds in self.kinds.values():
                _resolve(kinds)
                if "revision" in kinds:
                    n_revisions += 1
        total_files = posts + n_revisions + n_rejects
        self.width = max(3, len(str(max(total_files - 1, 0))))

    def copy_rate(self, dup_share: float) -> float:
        """The chance that an eligible post is a planted copy.  Posts without a stable id (no
        meta box, cut-off meta, giant pages) are never copies; the others are copied a little
        more often so that ~dup_share of all posts are copies."""
        n_no_id = sum(1 for kinds in self.kinds.values() if any(k in kinds for k in _NO_ID))
        return min(0.95, dup_share * 1.03 / max(0.05, 1 - n_no_id / max(self.posts, 1)))


class _Output:
    """Where the corpus goes: the page files (numbered in order, named with a random suffix,
    in folders of ``SHARD_SIZE`` when sharded), one manifest line per file, and the
    expected posts rows (``posts.jsonl``) when asked for."""

    def __init__(self, out: Path, rng: random.Random, *, width: int, sharded: bool, jsonl: bool):
        self.pages, self.rng, self.width, self.sharded = out / "pages", rng, width, sharded
        self.manifest = open(out / "manifest.jsonl", "w", encoding="utf-8")
        self.posts = open(out / "posts.jsonl", "w", encoding="utf-8") if jsonl else None
        self.file_no = 0
        self.made_dirs: set[int] = set()
        self.sink = _FileSink(threads=2)

    def page(self, data: bytes, record: dict) -> None:
        """Write the next file and its manifest line."""
        name = f"{self.file_no:0{self.width}d}_{self.rng.getrandbits(64):016x}.txt"
        if self.sharded:
            shard = self.file_no // SHARD_SIZE
            folder = self.pages / f"{shard:05d}"
            if shard not in self.made_dirs:
                folder.mkdir(exist_ok=True)
                self.made_dirs.add(shard)
            rel = f"pages/{shard:05d}/{name}"
        else:
            folder = self.pages
            rel = f"pages/{name}"
        self.sink.put(folder / name, data)
        self.file_no += 1
        record = {"file": rel, **record, "bytes": len(data)}
        self.manifest.write(json.dumps(record, ensure_ascii=False) + "\n")

    def post_row(self, fields: dict) -> None:
        if self.posts is not None:
            self.posts.write(json.dumps(fields, ensure_ascii=False) + "\n")

    def close(self) -> None:
        try:
            self.sink.close()
        finally:
            self.manifest.close()
            if self.posts is not None:
                self.posts.close()


class _Post:
    """One post while it is being made: who it is, what it is about, its article."""

    __slots__ = ("i", "kinds", "site", "num", "post_id", "stack", "problem", "scenario", "article",
                 "rendered", "title", "body", "content_hash", "bullet", "ebullet")

    def __init__(self, i: int, kinds, site: str, num: int, post_id: str):
        self.i, self.kinds, self.site, self.num, self.post_id = i, kinds, site, num, post_id


class _Generator:
    """Makes the posts one by one (:meth:`post`) and keeps what later posts need: the pool of
    posts a copy can be made of, the planted duplicate groups, the titles seen (hard
    negatives) and the older revisions waiting for their place in the file order."""

    def __init__(self, rng: random.Random, plan: _Plan, copy_rate: float, output: _Output):
        self.rng, self.plan, self.copy_rate, self.output = rng, plan, copy_rate, output
        self.writer = _Writer(rng)
        self.site_next = {s: _ri(rng, 1, 400) for s in _SITE_NAMES}
        self.recent: list[_Member] = []          # ring of recent dup-eligible posts
        self.reservoir: list[_Member] = []       # uniform sample of all dup-eligible posts
        self.recent_copies: list[_Member] = []
        self.seen_eligible = 0
        self.group_members: dict[int, list[tuple[str, str | None, str | None]]] = {}
        self.next_gid = 0
        self.title_last: dict[str, _Member] = {}
        self.hard_negs: list[tuple[str, str]] = []
        self.pending: list[tuple[int, bytes, dict]] = []   # older revisions waiting for their slot

    def post(self, i: int) -> None:
        """Make post ``i``: its article (original, planted copy or same-title hard negative),
        its meta box, its file (and an older revision's), then the files due after it."""
        rng = self.rng
        kinds = self.plan.kinds.get(i, ())
        no_id = any(k in kinds for k in _NO_ID)
        p = self._identity(i, kinds)
        kind, source, hard_neg_of = self._choose_source(no_id)
        if source is not None:
            gid, depth = self._copy(p, kind, source)
        else:
            self._original(p, hard_neg_of)
            gid, depth = None, 0
        bullet_style = next((k for k in kinds if k.startswith("bullet_")), None)
        p.bullet, p.ebullet = BULLETS[bullet_style]
        p.rendered = p.article.render(p.bullet)
        p.title, p.body = _body_of(p.rendered)
        canon = p.rendered if bullet_style is None else p.article.render(BULLETS[None][0])
        p.content_hash = hashlib.blake2b(canon.encode("utf-8"), digest_size=12).hexdigest()
        if not no_id:
            self._remember(_Member(p.post_id, gid, p.article, p.stack, p.problem, p.scenario, p.site,
                                   source is not None, depth), p.title)
        meta = self._meta(p)
        data, record, fields = _page(rng, kinds, meta, p.rendered, p.title, p.body, p.bullet, p.ebullet)
        if source is not None:
            record["dup_of"] = {"post_id": source.post_id, "kind": kind}
        if "revision" in kinds:
            self._older_revision(p, meta, record)
        self.output.page(data, record)
        self.output.post_row(fields)
        self._write_due(i)
        self._write_rejects(i)

    def _identity(self, i: int, kinds) -> _Post:
        rng = self.rng
        site = _SITE_NAMES[_pick(rng, _SITE_CUM)]
        num = self.site_next[site]
        self.site_next[site] = num + _ri(rng, 1, 3)
        return _Post(i, kinds, site, num, f"{_SITE_INFO[site][0]}-{num:06d}")

    def _choose_source(self, no_id: bool) -> tuple[str | None, _Member | None, _Member | None]:
        """(kind of copy, the post it copies, None) for a planted copy; (None, None, the post
        whose title it takes) for a hard negative; (None, None, None) for an original."""
        rng, recent = self.rng, self.recent
        kind = source = None
        x = rng.random()
        if not no_id and recent and x < self.copy_rate:
            for _attempt in range(5):       # a group holds at most 5 posts, edits go at most 2 deep
                y = rng.random()
                if y < 0.15 and self.recent_copies:
                    kind = "copy_of_copy"
                    source = _ch(rng, self.recent_copies)
                else:
                    kind = "exact" if y < 0.40 else "light_edit" if y < 0.67 else "reorder" if y < 0.84 \
                        else "case_whitespace"
                    source = _ch(rng, recent) if rng.random() < 0.7 or not self.reservoir \
                        else _ch(rng, self.reservoir)
                if len(self.group_members.get(source.gid, ())) < 5 and (source.depth < 2 or kind == "exact"):
                    break
                kind, source = None, None
        hard_neg_of = None
        if kind is None and not no_id and recent and x > 1 - 0.02:
            hard_neg_of = _ch(rng, recent)
        return kind, source, hard_neg_of

    def _copy(self, p: _Post, kind: str, source: _Member) -> tuple[int, int]:
        """A planted copy of ``source``'s article; returns (its group, its edit depth)."""
        rng = self.rng
        p.stack, p.problem, p.scenario = source.stack, source.problem, source.scenario
        if kind == "exact":
            p.article = source.article
        elif kind in ("light_edit", "copy_of_copy"):
            p.article = _light_edit(rng, source.article)
        elif kind == "reorder":
            p.article = _reorder(rng, source.article)
        else:
            p.article = _case_whitespace(rng, source.article)
        if source.gid is None:
            source.gid = self.next_gid
            self.next_gid += 1
            self.group_members[source.gid] = [(source.post_id, None, None)]
        self.group_members[source.gid].append((p.post_id, source.post_id, kind))
        return source.gid, source.depth + (0 if kind in ("exact", "case_whitespace") else 1)

    def _original(self, p: _Post, hard_neg_of: _Member | None) -> None:
        """A new article: on a random subject, or on ``hard_neg_of``'s subject and title."""
        rng = self.rng
        if hard_neg_of is not None:
            p.stack, p.problem, p.scenario = hard_neg_of.stack, hard_neg_of.problem, hard_neg_of.scenario
            title = hard_neg_of.article.title.lower()
        else:
            p.stack = _ch(rng, STACK_NAMES)
            p.problem = _ch(rng, PROBLEM_NAMES)
            p.scenario = _ch(rng, SCENARIOS)
            title = _ch(rng, TITLE_PATTERNS).format(stack=p.stack, problem=p.problem, scenario=p.scenario)
        large = _ri(rng, 2_000_000, 5_000_000) if "large_file" in p.kinds else 0
        p.article = self.writer.article(title, p.site, p.stack, p.problem, p.scenario,
                                        nonascii="cp1252" in p.kinds or rng.random() < 0.05, large=large)

    def _remember(self, member: _Member, title: str) -> None:
        """Put a post with a stable id in the pools later copies are drawn from; a title seen
        before outside its duplicate group makes a hard negative pair."""
        rng = self.rng
        if member.is_copy:
            self.recent_copies.append(member)
            if len(self.recent_copies) > 1000:
                del self.recent_copies[:200]
        self.recent.append(member)
        if len(self.recent) > 2400:
            del self.recent[:400]
        self.seen_eligible += 1
        if len(self.reservoir) < 2000:
            self.reservoir.append(member)
        else:
            j = rng.randrange(self.seen_eligible)
            if j < 2000:
                self.reservoir[j] = member
        tkey = " ".join(title.lower().split())
        prev = self.title_last.get(tkey)
        if prev is not None and (member.gid is None or prev.gid != member.gid):
            self.hard_negs.append((min(prev.post_id, member.post_id), max(prev.post_id, member.post_id)))
        self.title_last[tkey] = member

    def _meta(self, p: _Post) -> _Meta:
        """The post's metadata, with the irregular values planted in it."""
        rng, kinds = self.rng, p.kinds
        version = _newer_version(rng) if "revision" in kinds else None
        meta = _Meta(rng, site=p.site, post_id=p.post_id, num=p.num, stack=p.stack, problem=p.problem,
                     scenario=p.scenario, article=p.body, content_hash=p.content_hash, version=version)
        meta.values["checklist"] = p.article.checklist()
        meta.values["paragraphs"] = p.article.paragraphs()
        for k in kinds:
            if k.startswith("bad_"):
                meta.plant_bad(rng, k)
        if "unknown_meta" in kinds:
            meta.plant_unknown(rng)
        if "thousands_sep" in kinds and meta.values["view_count"] < 1000:
            meta.values["view_count"] = meta.view_count = _ri(rng, 1000, 2_500_000)
        return meta

    def _older_revision(self, p: _Post, meta: _Meta, record: dict) -> None:
        """An older revision of the post (same source id): written just before it, or up to
        15 files after it."""
        rng = self.rng
        old = _Meta(rng, site=p.site, post_id=p.post_id, num=p.num, stack=p.stack, problem=p.problem,
                    scenario=p.scenario, article=p.body, content_hash=p.content_hash, older_of=meta)
        old.values["checklist"] = meta.values["checklist"]
        old.values["paragraphs"] = meta.values["paragraphs"]
        old_kinds = [k for k in p.kinds if k == "crlf" or k.startswith("bullet_")]
        old_data, old_record, _ = _page(rng, old_kinds, old, p.rendered, p.title, p.body, p.bullet, p.ebullet)
        old_record["reason"] = "older_revision"
        old_record["current"] = False
        old_record["irregularities"].append("duplicate_source_id")
        record["reason"] = "newer_revision"
        due = p.i + _ri(rng, -1, 15)
        if due < p.i:
            self.output.page(old_data, old_record)
        else:
            self.pending.append((due, old_data, old_record))

    def _write_due(self, i: int) -> None:
        """Write the older revisions whose place is after post ``i``."""
        if self.pending:
            still = []
            for due, data, record in self.pending:
                if due <= i:
                    self.output.page(data, record)
                else:
                    still.append((due, data, record))
            self.pending = still

    def write_pending(self) -> None:
        """Write the older revisions still waiting (their place was past the last post)."""
        for _due, data, record in self.pending:
            self.output.page(data, record)
        self.pending = []

    def _write_rejects(self, i: int) -> None:
        """The files that are not posts planted after post ``i``."""
        rng = self.rng
        for rk in self.plan.rejects_after.get(i, ()):
            if rk == "empty":
                blob = b""
            elif rk == "whitespace_only":
                blob = _whitespace_blob(rng)
            else:
                blob = _binary_blob(rng)
            self.output.page(blob, {"expect": "reject", "reason": rk, "irregularities": [rk], "fields": None})


def _write_truth_pairs(path: Path, group_members: dict[int, list[tuple[str, str | None, str | None]]]) -> int:
    """Every pair of posts in a planted duplicate group, with how they relate; returns the count."""
    rows = []
    for members in group_members.values():
        parent = {pid: (par, k) for pid, par, k in members}
        ids = [pid for pid, _p, _k in members]
        for ai in range(len(ids)):
            for bi in range(ai + 1, len(ids)):
                a, b = ids[ai], ids[bi]
                if parent[b][0] == a:
                    kind = parent[b][1]
                elif parent[a][0] == b:
                    kind = parent[a][1]
                else:
                    kind = "group"
                rows.append((min(a, b), max(a, b), kind))
    rows.sort()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("post_id_a", "post_id_b", "kind"))
        w.writerows(rows)
    return len(rows)


def _write_hard_negatives(path: Path, hard_negs: list[tuple[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("post_id_a", "post_id_b"))
        w.writerows(sorted(set(hard_negs)))


class _FileSink:
    """Writes files on background threads: creating many small files is system-call bound, so it
    overlaps with generating the next posts.  Content and names do not depend on write order."""

    def __init__(self, threads: int = 2, depth: int = 4096):
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.threads = [threading.Thread(target=self._run, daemon=True, name=f"synth-writer-{n}")
                        for n in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self) -> None:
        get = self.queue.get
        while True:
            item = get()
            if item is None:
                return
            if self.error is not None:
                continue
            try:
                _write_file(*item)
            except BaseException as exc:  # re-raised by close()
                self.error = exc

    def put(self, path, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((path, data))

    def close(self) -> None:
        for _t in self.threads:
            self.queue.put(None)
        for t in self.threads:
            t.join()
        if self.error is not None:
            raise self.error


def _write_file(path, data: bytes) -> None:
    fd = os.open(path, _OPEN_FLAGS, 0o644)
    try:
        written = os.write(fd, data)
        if written < len(data):
            _write_all(fd, data[written:])
    finally:
        os.close(fd)


_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _resolve(kinds: list[str]) -> None:
    """Drop combinations that contradict each other (in place)."""
    def drop(*names):
        for n in names:
            while n in kinds:
                kinds.remove(n)
    if "no_meta" in kinds:
        drop("meta_order", "unknown_meta", "thousands_sep", "bad_date", "bad_score", "bad_view_count",
             "truncated_meta", "revision")
    if "truncated_meta" in kinds:
        drop("revision", "footer_links")
    if "cp1252" in kinds:
        drop("bom")
    bullets = [k for k in kinds if k.startswith("bullet_")]
    if len(bullets) > 1:
        drop(*bullets[1:])
    if "bad_view_count" in kinds:
        drop("thousands_sep")


def _page(rng, kinds, meta: _Meta | None, rendered, title, body, bullet, ebullet):
    """Bytes of one page file + its manifest record + the expected posts fields."""
    kinds = list(kinds)
    parts = []
    if "no_chrome" not in kinds:
        parts.append("| | |\n\n")
    elif rng.random() < 0.5:
        parts.append("\n")
    parts.append(rendered)
    record: dict[str, Any] = {"expect": "post", "reason": "post", "irregularities": [], "current": True,
                              "bad_values": {}, "unknown_meta": [], "dup_of": None}
    if "no_meta" in kinds:
        fields, extra = _no_meta_fields()
        parts.append("\n\nSimilar Posts")
    else:
        present = _meta_box(rng, kinds, meta, bullet, ebullet, parts)
        fields, extra = meta.fields(present)
        _what_was_printed(kinds, meta, present, record)
    fields["title"], fields["body"] = title, body
    data = _encode("".join(parts), kinds)
    record["irregularities"] = ["duplicate_source_id" if k == "revision" else k for k in kinds]
    record["fields"] = {c: fields[c] for c in POST_COLUMNS}
    record["extra_fields"] = extra
    return data, record, record["fields"]


def _meta_box(rng, kinds: list[str], meta: _Meta, bullet: str, ebullet: str, parts: list[str]) -> set[str] | None:
    """Append the meta box and the footer to ``parts`` (blocks shuffled, unknown keys among
    them, cut off, footer links, as ``kinds`` say); returns the keys printed when it is
    cut off (None: all of them)."""
    blocks = meta.blocks(bullet, ebullet, thousands="thousands_sep" in kinds)
    if "meta_order" in kinds:
        rng.shuffle(blocks)
    for u in meta.unknown:
        text = u["line"] if "line" in u else u["key"] + "\n" + "\n".join(bullet + x for x in u["items"])
        blocks.insert(_ri(rng, 0, len(blocks)), ("?" + u["key"], text))
    present = None
    if "truncated_meta" in kinds:
        blocks = blocks[:_ri(rng, 1, len(blocks) - 1)]
        present = {k for k, _t in blocks}
    parts.append(f"\n\n{meta.site} post meta\n\n")
    parts.append("\n".join(t for _k, t in blocks))
    if "truncated_meta" in kinds:
        if rng.random() < 0.5:
            parts.append("\n")
    else:
        parts.append("\n\nSimilar Posts")
        if "footer_links" in kinds:
            for _ in range(_ri(rng, 1, 4)):
                parts.append("\n\n" + _ch(rng, TITLE_PATTERNS).format(
                    stack=_ch(rng, STACK_NAMES), problem=_ch(rng, PROBLEM_NAMES),
                    scenario=_ch(rng, SCENARIOS)))
        elif rng.random() < 0.3:
            parts.append("\n")
    return present


def _what_was_printed(kinds: list[str], meta: _Meta, present: set[str] | None, record: dict) -> None:
    """Record the bad values and unknown keys that made it into a (possibly cut-off) meta box;
    drop from ``kinds`` (in place) the irregularities the cut removed."""
    unknown_printed = [u for u in meta.unknown if present is None or "?" + u["key"] in present]
    bad = {c: raw for c, raw in meta.bad.items() if present is None or _BAD_BLOCK[c] in present}
    record["bad_values"] = bad
    if not bad:
        kinds[:] = [k for k in kinds if not k.startswith("bad_")]
    if unknown_printed:
        record["unknown_meta"] = [dict(u) for u in unknown_printed]
    elif "unknown_meta" in kinds:
        kinds.remove("unknown_meta")
    if present is not None and "view count" not in present and "thousands_sep" in kinds:
        kinds.remove("thousands_sep")


def _encode(text: str, kinds: list[str]) -> bytes:
    """The page's bytes: CRLF, cp1252 or a BOM as ``kinds`` say (an irregularity that cannot
    apply, such as cp1252 for an ASCII page, is dropped from ``kinds``)."""
    if "crlf" in kinds:
        text = text.replace("\n", "\r\n")
    if "cp1252" in kinds:
        try:
            data = text.encode("cp1252")
        except UnicodeEncodeError:
            kinds.remove("cp1252")
        else:
            if text.isascii():
                kinds.remove("cp1252")
            return data
    data = text.encode("utf-8")
    if "bom" in kinds:
        data = b"\xef\xbb\xbf" + data
    return data


_BAD_BLOCK = {"last_reviewed": "revision", "view_count": "view count", "score_quality": "score",
              "score_freshness": "score", "score_depth": "score", "score_clarity": "score"}
