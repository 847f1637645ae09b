from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from tests.conftest import ROOT


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name)
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*prefix, name))


@pytest.mark.parametrize("path", list(_commands(cli)))
def test_every_command_has_help(path):
    result = CliRunner().invoke(cli, [*path, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert cli.get_command(None, path[0]).help
    assert "Usage: cli " + " ".join(path) in result.output or "Usage: " in result.output


def test_readme_opens_with_the_two_commands_ci_runs():
    readme = (ROOT / "README.md").read_text()
    blocks = readme.split("```")
    setup_and_ask, setup_and_test = blocks[1].strip().splitlines()[-1], blocks[3].strip().splitlines()[-1]
    assert "kg ask" in setup_and_ask
    assert "pytest" in setup_and_test
    assert setup_and_test in Path(ROOT / ".ci" / "run").read_text()
