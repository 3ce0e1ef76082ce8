"""Hypothesis: any input to the curated loader loads or fails with a located
DataError, never a traceback; valid records round-trip into the graph."""

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsunagu.exceptions import DataError, DataErrors
from tsunagu.loaders import curated_to_rdf, read_curated
from tsunagu.loaders.curated import FIELDS
from tsunagu.ontology import TG, entity_iri, load_ontology

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 3000), st.floats(allow_nan=False),
    st.text(max_size=12), st.sampled_from(["15-39", "0-", "-49", "39-15", "x", "employment", "393860", "2019-11"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)
field_names = st.sampled_from(sorted(FIELDS) + ["id", "type", "sources", "bogus"])
type_names = st.sampled_from(["Town", "City", "Program", "HelloWork", "MunicipalPlatform", "DutyStatus", "Nope", 3])
records = st.fixed_dictionaries(
    {"id": st.one_of(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True), scalars), "type": type_names},
    optional={"sources": st.sampled_from([["s"], ["t"], "s", []])},
).flatmap(lambda base: st.dictionaries(field_names, values, max_size=4).map(lambda extra: {**extra, **base}))
documents = st.fixed_dictionaries(
    {"records": st.one_of(st.lists(records, max_size=4), values)},
    optional={"sources": st.one_of(st.just({"s": {"document": "d.txt", "quote": "q"}}), values)},
)


def _load(tmp_path, text):
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        curated = read_curated(path)
        curated_to_rdf([curated])
    except DataErrors as errors:
        assert errors.errors and all(str(path) in str(e) for e in errors.errors)
    except DataError as error:
        assert str(path) in str(error)


@FUZZ
@given(document=documents)
def test_structured_fuzz_never_tracebacks(tmp_path, document):
    _load(tmp_path, yaml.safe_dump(document, allow_unicode=True))


@FUZZ
@given(text=st.text(max_size=200))
def test_raw_text_never_tracebacks(tmp_path, text):
    _load(tmp_path, text)


@FUZZ
@given(
    low=st.integers(0, 130), span=st.integers(0, 60),
    domains=st.lists(st.sampled_from(sorted(load_ontology().domains)), min_size=1, max_size=4, unique=True),
    name=st.text(st.characters(categories=["Lo", "Ll", "Lu", "Nd"]), min_size=1, max_size=20),
)
def test_valid_program_round_trips(tmp_path, low, span, domains, name):
    high = min(low + span, 130)
    document = {
        "sources": {"s": {"document": "d.txt", "quote": "q"}},
        "records": [{"id": "p", "type": "Program", "name": name, "age": f"{low}-{high}", "domains": domains, "sources": ["s"]}],
    }
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    graph, _ = curated_to_rdf([read_curated(path)])
    subject = entity_iri("p")
    age = graph.value(subject, TG.targetsAge)
    assert (int(graph.value(age, TG.minAge)), int(graph.value(age, TG.maxAge))) == (low, high)
    ontology = load_ontology()
    assert set(graph.objects(subject, TG.coversDomain)) == {ontology.domains[d] for d in domains}
    assert str(graph.value(subject, __import__("rdflib").RDFS.label)) == name.strip()
