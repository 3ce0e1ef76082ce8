"""The compiled shape checks against pyshacl over everything: valid records mutated, the same refusals.

``shacl_errors`` lets pyshacl see only the nodes the compiled checks pick
out; these tests hold that every record the full pyshacl run refuses is
still refused, with the same file, record, field and message.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD

from tsunagu.compile.shapecheck import Uncompiled, compile_shapes, suspects
from tsunagu.compile.validate import ontology_lent, shacl_errors
from tsunagu.ontology import ID, TG, shapes_graph


@pytest.fixture(scope="module")
def seeds():
    from tsunagu.compile import read_inputs
    from tsunagu.loaders.embedded import embedded_data_files

    asserted, locations, _ = read_inputs(embedded_data_files(), validate=False)
    return asserted, locations


def _copy(graph):
    copy = Graph()
    copy += graph
    return copy


def _triples(graph):
    return sorted(graph, key=lambda t: tuple(map(str, t)))


# Each mutation takes the graph, its sorted triples and a number, and breaks (or keeps) one record.
def _drop(graph, triples, n):
    graph.remove(triples[n % len(triples)])


def _second_value(graph, triples, n):
    s, p, o = triples[n % len(triples)]
    other = Literal(f"{o}2", lang=o.language, datatype=o.datatype) if isinstance(o, Literal) else triples[(n * 7) % len(triples)][0]
    graph.add((s, p, other))


def _retype_value(graph, triples, n):
    s, p, o = [t for t in triples if isinstance(t[2], Literal)][n % sum(isinstance(t[2], Literal) for t in triples)]
    graph.remove((s, p, o))
    graph.add((s, p, [Literal(str(o)), Literal(-1), Literal(200), Literal("x", lang="en"), Literal("1.5", datatype=XSD.double),
                      Literal("abc", datatype=XSD.integer), Literal(str(o), lang="ja"), URIRef(ID + "nowhere")][n % 8]))


def _retarget(graph, triples, n):
    links = [t for t in triples if isinstance(t[2], URIRef) and t[1] != RDF.type]
    s, p, o = links[n % len(links)]
    graph.remove((s, p, o))
    graph.add((s, p, links[(n * 13 + 5) % len(links)][0]))


def _retype_node(graph, triples, n):
    typed = [t for t in triples if t[1] == RDF.type and str(t[2]).startswith(str(TG))]
    s, _, cls = typed[n % len(typed)]
    graph.remove((s, RDF.type, cls))
    graph.add((s, RDF.type, typed[(n * 11 + 3) % len(typed)][2]))


def _bare_node(graph, triples, n):
    typed = sorted({t[2] for t in triples if t[1] == RDF.type and str(t[2]).startswith(str(TG))})
    graph.add((URIRef(ID + f"bare-{n}"), RDF.type, typed[n % len(typed)]))


MUTATIONS = [_drop, _second_value, _retype_value, _retarget, _retype_node, _bare_node]


def _messages(graph, locations, compiled):
    return [str(e) for e in shacl_errors(graph, locations, default_file="seed.ttl", compiled=compiled)]


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 10**6)), min_size=1, max_size=3))
def test_the_compiled_checks_refuse_what_pyshacl_refuses(seeds, mutations):
    graph, locations = seeds
    graph = _copy(graph)
    triples = _triples(graph)
    for mutate, n in mutations:
        mutate(graph, triples, n)
    assert _messages(graph, locations, True) == _messages(graph, locations, False)


def test_mutations_are_refused(seeds):
    """The property above compares refusals: these mutations do break records, so it compares some."""
    graph, locations = seeds
    refused = 0
    for n, mutate in enumerate(MUTATIONS * 3):
        broken = _copy(graph)
        mutate(broken, _triples(graph), n * 101)
        messages = _messages(broken, locations, True)
        assert messages == _messages(broken, locations, False)
        refused += bool(messages)
    assert refused >= 10


def test_the_seeds_conform_either_way(seeds):
    graph, locations = seeds
    assert _messages(graph, locations, True) == _messages(graph, locations, False) == []


def test_conforming_records_are_not_handed_to_pyshacl(seeds):
    """The compiled checks pass every node of the seeds: pyshacl (seconds over a large graph) runs only where
    a node may fail. A check made too strict still gives pyshacl's answers, which the tests above compare,
    but would hand it every node."""
    graph, _ = seeds
    with ontology_lent(graph):
        assert suspects(graph, shapes_graph()) == set()
    broken = _copy(graph)
    with ontology_lent(broken):
        broken.remove((None, RDFS.subClassOf, None))  # no class then meets a range of a superclass
        assert len(suspects(broken, shapes_graph())) > 40


def test_a_shape_beyond_the_compiled_part_is_said():
    shapes = Graph()
    shape = URIRef("https://example.org/s")
    shapes.add((shape, RDF.type, SH.NodeShape)).add((shape, SH.targetNode, ID["x"]))
    with pytest.raises(Uncompiled):
        compile_shapes(shapes)
    prop = BNode()
    shapes = Graph().add((shape, RDF.type, SH.NodeShape)).add((shape, SH.targetClass, TG.Town))
    shapes.add((shape, SH.property, prop)).add((prop, SH.path, RDFS.label)).add((prop, SH.hasValue, Literal("x")))
    with pytest.raises(Uncompiled):
        compile_shapes(shapes)


def test_the_shipped_shapes_compile():
    compiled, predicates, _ = compile_shapes(shapes_graph())
    assert len(compiled) == len(set(shapes_graph().subjects(RDF.type, SH.NodeShape)))
    assert TG.code in predicates
