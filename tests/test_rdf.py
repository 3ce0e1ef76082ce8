"""Round trips through Turtle and JSON-LD, SHACL coverage, and merging RDF inputs."""

import pytest
from hypothesis import given, settings, strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, SH

from tsunagu.cli import cli
from tsunagu.compile import compile_graph
from tsunagu.loaders.formats.rdf import export_text
from tsunagu.ontology import load_ontology, shapes_graph
from tsunagu.store.rdf import data_graph, subject_index, triples_of


def test_turtle_export_reimports_isomorphic(compiled):
    again = Graph().parse(data=export_text("turtle", rdf=compiled.rdf), format="turtle")
    assert len(again) == len(compiled.rdf)
    assert isomorphic(again, compiled.rdf)


def test_jsonld_export_reimports_isomorphic(compiled):
    again = Graph().parse(data=export_text("jsonld", rdf=compiled.rdf), format="json-ld")
    assert isomorphic(again, compiled.rdf)


def test_exported_turtle_builds_the_same_graph(compiled, tmp_path):
    """The export, loaded as an input instead of the curated files, projects to the same networkx graph."""
    path = tmp_path / "all.ttl"
    path.write_text(export_text("turtle", rdf=compiled.rdf), encoding="utf-8")
    rebuilt = compile_graph([path], embedded=False, lists=False)
    assert isomorphic(rebuilt.rdf, compiled.rdf)
    assert sorted(rebuilt.graph.nodes(data=True), key=str) == sorted(compiled.graph.nodes(data=True), key=str)
    assert sorted(rebuilt.graph.edges(keys=True, data=True), key=str) == sorted(compiled.graph.edges(keys=True, data=True), key=str)


def test_cli_export_turtle_round_trip(seeds_cache, runner, compiled, tmp_path):
    target = tmp_path / "out.ttl"
    assert runner.invoke(cli, ["export", "--to", "turtle", "-o", str(target)]).exit_code == 0
    assert isomorphic(Graph().parse(target, format="turtle"), compiled.rdf)


def test_every_class_has_a_shape():
    classes = set(load_ontology().graph.subjects(RDF.type, OWL.Class))
    targeted = set(shapes_graph().objects(None, SH.targetClass))
    assert classes - targeted == set()


def test_every_term_has_japanese_and_english_labels():
    graph = load_ontology().graph
    from rdflib.namespace import RDFS, SKOS

    terms = set(graph.subjects(RDF.type, OWL.Class)) | set(graph.subjects(RDF.type, OWL.ObjectProperty)) | set(
        graph.subjects(RDF.type, OWL.DatatypeProperty)) | set(graph.subjects(RDF.type, SKOS.Concept))
    for term in terms:
        labels = list(graph.objects(term, RDFS.label)) + list(graph.objects(term, SKOS.prefLabel))
        assert {getattr(label, "language", None) for label in labels} >= {"ja", "en"}, term


def test_no_iri_literal_outside_the_ontology_package():
    import pathlib

    import tsunagu

    root = pathlib.Path(tsunagu.__file__).parent
    offenders = [p for p in root.rglob("*.py") if "ontology" not in p.parts and "w3id.org" in p.read_text(encoding="utf-8")]
    assert offenders == []


# JSON-LD inputs never reach the network or other files (issue 14).
_CONTEXT = {"tg": "https://w3id.org/tsunagu/def#", "id": "https://w3id.org/tsunagu/id/",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "prov": "http://www.w3.org/ns/prov#",
            "dcterms": "http://purl.org/dc/terms/",
            "name": {"@id": "rdfs:label", "@language": "ja"},
            "source": {"@id": "prov:wasDerivedFrom", "@type": "@id"}}
_ENTITIES = [
    {"@id": "id:jsonld-office", "@type": "tg:Organisation", "name": "JSON-LDの事務所", "source": "id:source/jsonld"},
    {"@id": "id:source/jsonld", "@type": "tg:SourcePassage", "tg:quote": "q",
     "dcterms:isPartOf": {"@id": "id:document/jsonld"}},
    {"@id": "id:document/jsonld", "@type": "tg:SourceDocument", "dcterms:identifier": "d"},
]


def _jsonld(tmp_path, context, graph=_ENTITIES, name="input.jsonld"):
    import json

    path = tmp_path / name
    path.write_text(json.dumps({"@context": context, "@graph": graph}, ensure_ascii=False), encoding="utf-8")
    return path


def test_jsonld_with_an_inline_context_is_read(runner, tmp_path, http_server):
    result = runner.invoke(cli, ["validate", str(_jsonld(tmp_path, _CONTEXT))])
    assert result.exit_code == 0, result.output
    assert http_server.requests == []


@pytest.mark.parametrize("shape", ["remote", "remote in a list", "scoped remote", "import", "file"])
def test_jsonld_context_that_would_be_fetched_is_refused(runner, tmp_path, http_server, shape):
    import json

    local = tmp_path / "context.jsonld"
    local.write_text(json.dumps({"@context": _CONTEXT}), encoding="utf-8")
    url = f"{http_server.url}/context.jsonld"
    context = {
        "remote": url,
        "remote in a list": [_CONTEXT, url],
        "scoped remote": {**_CONTEXT, "tg:extra": {"@id": "tg:extra", "@context": url}},
        "import": {"@import": url, **_CONTEXT},
        "file": local.as_uri(),
    }[shape]
    path = _jsonld(tmp_path, context)
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path}: " in result.output and "inline the context" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 2
    assert http_server.requests == []


def test_jsonld_context_on_a_silent_server_does_not_hang(runner, tmp_path, silent_server):
    import time

    started = time.monotonic()
    result = runner.invoke(cli, ["validate", str(_jsonld(tmp_path, f"{silent_server}/context.jsonld"))])
    assert result.exit_code == 1 and "inline the context" in result.output
    assert time.monotonic() - started < 15


def test_only_rdf_formats_without_entity_tricks_are_read(runner, tmp_path):
    trix = tmp_path / "data.trix"
    trix.write_text("<TriX xmlns='http://www.w3.org/2004/03/trix/trix-1/'/>", encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(trix)])
    assert result.exit_code == 1 and "unknown file type '.trix'" in result.output


# --- the build's store against rdflib's own -------------------------------------------------------------

_TERMS = [URIRef(f"https://example.org/{n}") for n in "abcd"] + [BNode("b1"), Literal("x"), Literal("x", lang="ja"),
                                                                Literal(1), Literal("1")]
_term = st.sampled_from(_TERMS)
_triple = st.tuples(st.sampled_from(_TERMS[:5]), st.sampled_from(_TERMS[:3]), _term)
_pattern = st.tuples(st.one_of(st.none(), _term), st.one_of(st.none(), _term), st.one_of(st.none(), _term))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.booleans(), _triple), max_size=40), st.lists(_pattern, min_size=1, max_size=8))
def test_the_build_store_answers_every_pattern_as_rdflib_does(steps, patterns):
    """Adds and removals, then every kind of pattern (the object alone included, which the store
    answers without an object index): the same triples as rdflib's default store, and the same length."""
    ours, theirs = data_graph(), Graph()
    for add, triple in steps:
        for graph in (ours, theirs):
            graph.add(triple) if add else graph.remove(triple)
    assert len(ours) == len(theirs)
    assert set(triples_of(ours)) == set(theirs) == set(ours)
    # a subject whose triples were all removed may keep an empty entry: no triple of it is read
    assert {s for s, predicates in subject_index(ours).items() if any(predicates.values())} == {s for s, _, _ in theirs}
    for pattern in patterns:
        assert sorted(ours.triples(pattern)) == sorted(theirs.triples(pattern)), pattern
