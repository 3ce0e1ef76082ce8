"""Hypothesis: any input to the curated loader loads or fails with a located
DataError, never a traceback; valid records round-trip into the graph."""

import yaml
from hypothesis import HealthCheck, example, given, settings
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


def _same(fast, slow):
    """Equal values, and every mapping on the same line with its keys on the same lines."""
    if type(fast) is not type(slow):
        return False
    if isinstance(fast, dict):
        return (fast.keys() == slow.keys() and fast.line == slow.line and fast.key_lines == slow.key_lines
                and all(_same(fast[key], slow[key]) for key in fast))
    if isinstance(fast, list):
        return len(fast) == len(slow) and all(map(_same, fast, slow))
    return fast == slow


def _both_ways(path, monkeypatch):
    """load_yaml's answer through libyaml and through the checking pure-Python loader (or the error of each)."""
    from tsunagu.loaders.formats import yaml as located

    answers = []
    for c_loader in (located._CLoader, None):
        monkeypatch.setattr(located, "_CLoader", c_loader)
        try:
            answers.append(located.load_yaml(path))
        except DataError as error:
            answers.append(str(error))
    return answers


def test_libyaml_reads_the_seeds_as_the_checking_loader_does(monkeypatch):
    from conftest import ROOT

    from tsunagu.loaders.formats import yaml as located

    assert located._CLoader is not None  # PyYAML's wheels carry libyaml: without it the fast path never runs
    paths = sorted((ROOT / "tsunagu" / "data").rglob("*.yaml")) + sorted((ROOT / "tests" / "broken").glob("*.yaml"))
    assert len(paths) > 10
    for path in paths:
        fast, slow = _both_ways(path, monkeypatch)
        assert _same(fast, slow), path


@FUZZ
@given(document=documents)
def test_libyaml_and_the_checking_loader_agree_on_lines_and_errors(tmp_path, monkeypatch, document):
    path = tmp_path / "both.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, default_flow_style=None), encoding="utf-8")
    fast, slow = _both_ways(path, monkeypatch)
    assert _same(fast, slow)


# Scalars and keys that take every branch of the direct construction of libyaml's tree, and the ones
# it leaves to PyYAML's constructors (merge keys, tagged collections, aliases, a repeated key, a date
# that does not exist); plain ones mostly, so that a document is often read without falling back.
_PLAIN_VALUES = st.sampled_from([
    "1", "-7", "1.5", "1e3", ".inf", "0x1F", "0o17", "yes", "No", "true", "~", "null", "", "2020-01-01",
    "2001-12-14t21:59:43.10-05:00", "'quoted'", '"x\\ty"', "[1, 2, [3]]", "{k: v, k2: [w]}", "テキスト",
    "!!str 12", "!!int '7'", "!!float 3",
])
_UNUSUAL_VALUES = st.sampled_from([
    "2020-02-30", "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]", "&a v", "*a", "*base", "!custom x",
    "{? [a]: b}",
])
_TRICKY_KEYS = st.sampled_from(["id", "type", "name", "1", "true", "2020-01-01", "~", "名前", "'id'", "<<", "="])


@FUZZ
@example(records=[[("id", "1"), ("'id'", "2")]])
@given(records=st.lists(st.lists(st.tuples(_TRICKY_KEYS, st.one_of(_PLAIN_VALUES, _PLAIN_VALUES, _UNUSUAL_VALUES)),
                                 min_size=1, max_size=4), max_size=4))
def test_libyaml_and_the_checking_loader_agree_on_every_kind_of_node(tmp_path, monkeypatch, records):
    text = "base: &base {x: 1}\nrecords:\n" + "".join(
        "".join(("- " if index == 0 else "  ") + f"{key}: {value}\n" for index, (key, value) in enumerate(record))
        for record in records)
    path = tmp_path / "nodes.yaml"
    path.write_text(text, encoding="utf-8")
    fast, slow = _both_ways(path, monkeypatch)
    assert _same(fast, slow), text
