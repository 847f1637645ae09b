"""Text and Markdown answers pass no terminal control codes and, in Markdown, no raw HTML."""

import json

from tests.conftest import SEED_BUNDLE

HOSTILE = "Please enlarge this photo 2x \x1b]0;owned\x07\x1b[2J <script>alert(1)</script> & <b>now</b>"


def test_a_hostile_question_is_shown_not_obeyed(run):
    text = run("ask", HOSTILE).output
    assert "\x1b" not in text and "\x07" not in text
    assert "Question: Please enlarge this photo 2x \\x1b]0;owned\\x07\\x1b[2J <script>" in text
    md = run("ask", HOSTILE, "--format", "markdown").output
    assert md.splitlines()[0] == ("> Please enlarge this photo 2x \\x1b]0;owned\\x07\\x1b[2J "
                                  "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;now&lt;/b&gt;")
    assert "<script>" not in md and "\x1b" not in md
    # JSON keeps the text exactly: escaping is the reader's job there, and json.dumps escapes controls.
    assert json.loads(run("ask", HOSTILE, "--format", "json").output)["question"] == HOSTILE


def test_a_bundle_file_cannot_retitle_the_terminal(run, tmp_path):
    bundle = tmp_path / "hostile.txt"
    text = SEED_BUNDLE.read_text()
    bundle.write_text(text.replace("Summary: Low dynamic range", "Summary: \x1b]0;owned\x07Low dynamic range")
                      .replace("Model: FeatSharp", "Model: \x1b[31mFeatSharp"))
    for fmt in ("text", "markdown"):
        out = run("ask", "--bundle", str(bundle), "--format", fmt).output
        assert "\x1b" not in out and "\x07" not in out, fmt
        assert "\\x1b[31mFeatSharp" in out, fmt  # shown, visibly


def test_sparql_does_not_fetch_from_other_servers_unless_told(run):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    result = run("sparql", query, ok=False)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == ("Error: the query calls SERVICE http://127.0.0.1:9/sparql: kg does not "
                                              "fetch from other servers unless told to (pass --allow-service to let it)")
    # the word alone, in a string, is no call
    text = run("sparql", 'SELECT ?l WHERE { ?t skos:prefLabel ?l FILTER(CONTAINS(?l, "service")) } LIMIT 1',
               "--format", "csv").output
    assert text.splitlines()[0] == "l"


def test_a_blank_question_gets_no_made_up_answer(run):
    result = run("ask", " \t ", ok=False)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == "Error: the QUESTION is blank: give its words"
