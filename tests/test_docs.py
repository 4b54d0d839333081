"""The README cannot drift from the code: every command, option and named query is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from copydesk import queries
from copydesk.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands():
    return sorted(main.commands.items())


@pytest.mark.parametrize("name,command", commands())
def test_every_command_is_documented_with_its_options(name, command):
    assert f"### `copydesk {name}" in README, f"README has no '### `copydesk {name}' section"
    section = README.split(f"### `copydesk {name}", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    assert command.help and command.help.strip(), f"{name} has no docstring"
    for param in command.params:
        if isinstance(param, click.Option):
            for opt in param.opts:
                if opt.startswith("--") and opt not in ("--help",):
                    assert opt in section, f"option {opt} of 'copydesk {name}' is not in its README section"


def test_the_readme_query_table_is_generated_from_the_files():
    assert queries.markdown_table() in README, "README's query table is stale: paste 'copydesk queries --markdown'"


def test_every_query_file_has_a_name_and_description():
    for q in queries.all_queries().values():
        assert re.fullmatch(r"[a-z]+/_?[a-z0-9_]+", q.name), q.path
        assert len(q.doc) > 10, q.path
