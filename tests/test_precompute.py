"""What the build precomputes answers exactly as the walk on the whole graph would."""

import random

import pytest

from conftest import LISTS
from tsunagu.compile import build
from tsunagu.store.cache import load_stored
from tsunagu.queries.coverage import coverage_matrix
from tsunagu.compile.precompute import reach_subgraph
from tsunagu.rules.reach import municipality_nodes
from conftest import answer_of

NEEDS = [["employment"], ["safe-place"], ["welfare", "health"], ["family-support"], ["outreach"], ["education"]]


def _full(graph):
    """The whole graph without any precomputed answer."""
    bare = graph.copy()
    bare.graph = {k: v for k, v in graph.graph.items() if k not in ("reach_cache", "candidate_cache")}
    return bare


def test_stored_reach_graphs_answer_like_the_whole_graph(graph, tmp_path):
    build((), tmp_path, lists=False)
    stored = load_stored(tmp_path)
    for municipality in municipality_nodes(graph):
        small = stored.reach_graph(municipality)
        for age in (3, 20, 45, 55):
            for needs in NEEDS:
                assert answer_of(small, municipality, age, needs) == answer_of(graph, municipality, age, needs)
        assert coverage_matrix(small, municipality, bands="policy") == coverage_matrix(graph, municipality, bands="policy")


def test_synthetic_country_precompute_parity():
    csv = LISTS / "localgovjp" / "localgovjp-utf8.csv"
    if not csv.exists():
        pytest.skip(f"{csv} is not here")
    from bench.synthetic import generate

    graph, _, municipalities = generate(csv, 1, seed=7)
    assert len(municipalities) == 1741 and graph.number_of_nodes() > 20_000
    whole = _full(graph)
    rng = random.Random(7)
    for municipality in rng.sample(municipalities, 25):
        small = reach_subgraph(graph, municipality)
        for _ in range(4):
            age, needs = rng.randint(0, 80), rng.choice(NEEDS)
            assert answer_of(small, municipality, age, needs) == answer_of(whole, municipality, age, needs)
        assert coverage_matrix(small, municipality) == coverage_matrix(whole, municipality)
