"""README examples stay true: every `tradewinds ...` line parses against the real CLI."""

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradewinds.cli import app

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
COMMANDS = [line.split("#")[0].strip() for line in README.splitlines() if line.startswith(".venv/bin/tradewinds ")]


def test_readme_has_examples():
    assert len(COMMANDS) >= 8 and "make run" in README and "make test" in README


@pytest.mark.parametrize("line", COMMANDS)
def test_readme_command_parses(line):
    args = shlex.split(line)[1:]
    args = [a for a in args if not re.fullmatch(r"(prd|sup|off)_\.\.\.", a)] or args
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
