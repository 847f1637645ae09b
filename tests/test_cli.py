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
    command = cli
    for name in path:
        command = command.commands[name]
    # click rewraps the help text: compare its first sentence word by word
    first = " ".join(command.help.split(".")[0].split())
    assert first and first in " ".join(result.output.split())
    assert result.output.startswith("Usage: cli " + " ".join(path) + " ")


def test_readme_opens_with_the_two_commands_ci_runs():
    readme = (ROOT / "README.md").read_text()
    blocks = readme.split("```")
    setup_and_ask, setup_and_test = blocks[1].strip().splitlines()[-1], blocks[3].strip().splitlines()[-1]
    assert "kg ask" in setup_and_ask
    assert "pytest" in setup_and_test
    assert setup_and_test in Path(ROOT / ".ci" / "run").read_text()


def test_ask_writes_an_html_view(run, tmp_path):
    from tests.conftest import SEED_QUESTION

    out = tmp_path / "a.html"
    result = run("ask", SEED_QUESTION, "--html", str(out))
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert "graph view: " in result.output


def test_export_needs_a_focus_for_html_and_writes_graphml(run, tmp_path):
    import networkx as nx

    result = run("export", "--html", str(tmp_path / "x.html"), ok=False)
    assert result.exit_code == 1 and "--task" in result.output
    run("export", "--graphml", str(tmp_path / "g.graphml"), "--task", "SISR", "--depth", "1")
    g = nx.read_graphml(tmp_path / "g.graphml")
    assert g.number_of_nodes() > 50
    result = run("export", ok=False)
    assert result.exit_code == 2 and "give --format FORMAT, --html FILE or --graphml FILE" in result.output
