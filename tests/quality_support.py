"""Test support for the quality engine: page dumps written by hand, in the format of
../shared/formats/page-dump.md, with the meta fields the signals compare against."""

from __future__ import annotations

from pathlib import Path


def page(source_id: str, body: str, *, title: str | None = None, site: str = "alphanode",
         reading_time: int | None = None, paragraphs: int | None = None, checklist: list[str] | None = None,
         version: str = "1.0.0", quality: int = 80) -> str:
    """One page dump: chrome, title, the article ``body``, a meta box, the footer."""
    meta = [f"{site} post meta", "", f"topic{source_id}"]
    if reading_time is not None:
        meta.append(f"reading time{reading_time}")
    meta += ["score", f"  • quality: {quality}", "revision", "  • status: published", f"  • version: {version}",
             "  • last reviewed: 2025-01-10"]
    if checklist is not None:
        meta.append("checklist")
        meta += [f"  • {item}" for item in checklist]
    meta += ["payload", f"  • source id: {source_id}"]
    if paragraphs is not None:
        meta.append(f"  • paragraphs: {paragraphs}")
    return "\n".join(["| | |", "", title or f"notes on {source_id}", "", body, "", *meta, "", "Similar Posts", ""])


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
