from rdflib import URIRef

from kg import iris


def test_same_name_gives_same_iri():
    assert iris.model("SISR-CARN-2x") == iris.model("SISR-CARN-2x")
    assert str(iris.model("SISR-CARN-2x")).endswith("/model/SISR-CARN-2x")


def test_any_character_is_allowed_and_names_stay_apart():
    names = ["a b", "a/b", "a%20b", 'x"> <script>', "日本語", "a#b", "a?b"]
    minted = [iris.model(n) for n in names]
    assert len(set(minted)) == len(names)
    for n, iri in zip(names, minted):
        assert all(ch not in str(iri) for ch in ' "<>{}|\\^`')
        assert iris.label_of(iri) == n
        assert isinstance(iri, URIRef)


def test_papers_merge_by_arxiv_id_across_url_forms():
    a = iris.paper("http://arxiv.org/pdf/2308.15462v1.pdf")
    b = iris.paper("https://arxiv.org/abs/2308.15462")
    assert a == b and str(a).endswith("/paper/arxiv/2308.15462")
    assert iris.paper(None, "Some Title") == iris.paper(None, "some title")
