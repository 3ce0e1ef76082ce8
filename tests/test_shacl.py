"""The shapes on their own: they accept the embedded data and reject each kind of bad input
when it arrives as RDF, past the curated loader's own checks."""

import pytest
from rdflib import Graph

from tsunagu.compile.validate import graph_errors, shacl_errors

PREFIXES = """
@prefix tg: <https://w3id.org/tsunagu/def#> .
@prefix tgd: <https://w3id.org/tsunagu/domain/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix x: <https://w3id.org/tsunagu/id/> .
<https://w3id.org/tsunagu/id/source/t> a tg:SourcePassage ; tg:quote "t" ; dcterms:isPartOf <https://w3id.org/tsunagu/id/document/t> .
<https://w3id.org/tsunagu/id/document/t> a tg:SourceDocument ; dcterms:identifier "t" .
x:pref a tg:Prefecture ; rdfs:label "高知県"@ja ; tg:code "390003" ; prov:wasDerivedFrom <https://w3id.org/tsunagu/id/source/t> .
"""

CASES = {
    "unknown reference": ("x:p a tg:Program ; rdfs:label \"事業\"@ja ; tg:entrustedTo x:nobody ; "
                          "prov:wasDerivedFrom <https://w3id.org/tsunagu/id/source/t> .", "entrusted_to"),
    "duplicate id": ("x:t a tg:Town ; rdfs:label \"いの町\"@ja , \"もう一つ\"@ja ; tg:code \"393860\" ; tg:partOfPrefecture x:pref ; "
                     "prov:wasDerivedFrom <https://w3id.org/tsunagu/id/source/t> .", "name"),
    "wrong check digit": ("x:t a tg:Town ; rdfs:label \"いの町\"@ja ; tg:code \"393861\" ; tg:partOfPrefecture x:pref ; "
                          "prov:wasDerivedFrom <https://w3id.org/tsunagu/id/source/t> .", None),
    "age min above max": ("x:p a tg:Program ; rdfs:label \"事業\"@ja ; tg:targetsAge <https://w3id.org/tsunagu/id/p/age> ; "
                          "prov:wasDerivedFrom <https://w3id.org/tsunagu/id/source/t> . "
                          "<https://w3id.org/tsunagu/id/p/age> a tg:AgeRange ; tg:minAge 39 ; tg:maxAge 15 .", "age"),
    "unknown domain": ("x:p a tg:Program ; rdfs:label \"事業\"@ja ; tg:coversDomain tgd:astrology ; "
                       "prov:wasDerivedFrom <https://w3id.org/tsunagu/id/source/t> .", "domains"),
    "no source": ("x:p a tg:Program ; rdfs:label \"事業\"@ja .", None),
}


def _graph(text):
    return Graph().parse(data=PREFIXES + text, format="turtle")


def test_shapes_accept_the_embedded_data(compiled):
    from tsunagu.compile import read_inputs
    from tsunagu.loaders.embedded import embedded_data_files

    asserted, locations, _ = read_inputs(embedded_data_files(), validate=False)
    assert shacl_errors(asserted, locations) == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_shapes_reject(case):
    text, field = CASES[case]
    errors = graph_errors(_graph(text), {}, default_file="case.ttl")
    assert errors, case
    if field:
        assert any(e.field == field for e in errors), [str(e) for e in errors]
    if case == "age min above max":
        assert any(e.record == "p" for e in errors)
    if case == "wrong check digit":
        assert [str(e) for e in errors] == [
            "case.ttl: record 't': field 'code': code 393861 has a wrong check digit (expected 393860)"]


def test_check_digit_is_checked_in_python_not_by_the_build_shapes():
    """The build's shapes carry no SHACL-SPARQL (its per-node query parse was 96% of a national build)."""
    from rdflib.namespace import SH

    from tsunagu.ontology import shapes_graph

    assert not list(shapes_graph().subjects(SH.sparql, None))
    errors = shacl_errors(_graph(CASES["wrong check digit"][0]), {}, default_file="case.ttl")
    assert not any("check digit" in e.message for e in errors)


@pytest.mark.parametrize("code, wrong", [("393860", False), ("393861", True), ("390003", False), ("390004", True)])
def test_optional_sparql_check_digit_shape_agrees_with_python(code, wrong):
    """shapes-checkdigit.ttl (for other SHACL engines) gives the answer code_errors gives."""
    from importlib import resources

    import pyshacl

    from tsunagu.compile.validate import code_errors
    from tsunagu.ontology import load_ontology

    graph = _graph(f"x:t a tg:Town ; tg:code \"{code}\" .")
    shapes = Graph().parse(source=str(resources.files("tsunagu.ontology") / "shapes-checkdigit.ttl"), format="turtle")
    conforms, _, text = pyshacl.validate(graph + load_ontology().graph, shacl_graph=shapes, inference="none")
    python_wrong = bool(code_errors(graph, {}))
    assert (not conforms) == wrong == python_wrong, text


def test_shapes_leave_the_data_graph_as_they_found_it():
    """The ontology is lent to the data graph for sh:class and taken back, even the triples it restates."""
    from rdflib.namespace import RDFS

    from tsunagu.ontology import TG

    graph = _graph(CASES["age min above max"][0] + " tg:Town rdfs:subClassOf tg:Municipality .")
    before = set(graph)
    assert shacl_errors(graph, {}, default_file="case.ttl")
    assert set(graph) == before
    assert (TG.Town, RDFS.subClassOf, TG.Municipality) in graph
    assert (TG.Village, RDFS.subClassOf, TG.Municipality) not in graph
