"""Round trips through Turtle and JSON-LD, SHACL coverage, and merging RDF inputs."""

from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, SH

from tsunagu.cli import cli
from tsunagu.graph import compile_graph
from tsunagu.graph.export import export_text
from tsunagu.ontology import load_ontology, shapes_graph


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
    rebuilt = compile_graph([path], embedded=False)
    assert isomorphic(rebuilt.rdf, compiled.rdf)
    assert sorted(rebuilt.graph.nodes(data=True), key=str) == sorted(compiled.graph.nodes(data=True), key=str)
    assert sorted(rebuilt.graph.edges(keys=True, data=True), key=str) == sorted(compiled.graph.edges(keys=True, data=True), key=str)


def test_cli_export_turtle_round_trip(runner, compiled, tmp_path):
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
        assert {getattr(l, "language", None) for l in labels} >= {"ja", "en"}, term


def test_no_iri_literal_outside_the_ontology_package():
    import pathlib

    import tsunagu

    root = pathlib.Path(tsunagu.__file__).parent
    offenders = [p for p in root.rglob("*.py") if "ontology" not in p.parts and "w3id.org" in p.read_text(encoding="utf-8")]
    assert offenders == []
