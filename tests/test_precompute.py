"""What the build precomputes answers exactly as the walk on the whole graph would."""

import random

import pytest

from conftest import LISTS
from tsunagu.compile import build
from tsunagu.store.cache import load_stored
from tsunagu.queries.coverage import coverage_matrix
from tsunagu.compile.precompute import reach_subgraph
from tsunagu.rules.judge import referral_candidates, town_walk
from tsunagu.rules.reach import municipality_nodes, reach
from conftest import answer_of

NEEDS = [["employment"], ["safe-place"], ["welfare", "health"], ["family-support"], ["outreach"], ["education"]]


def _same_walk(walk, graph, municipality):
    """The precomputed ``walk`` is the one a fresh walk over the whole ``graph`` makes, in its order."""
    assert walk.municipality == municipality
    assert walk.reached == tuple(reach(graph, municipality)), municipality
    assert walk.candidates == tuple(referral_candidates(graph, municipality)), municipality


def test_stored_reach_graphs_answer_like_the_whole_graph(graph, tmp_path):
    build((), tmp_path, lists=False)
    stored = load_stored(tmp_path)
    for municipality in municipality_nodes(graph):
        small, walk = stored.reach_graph(municipality)
        _same_walk(walk, graph, municipality)
        for age in (3, 20, 45, 55):
            for needs in NEEDS:
                assert answer_of(small, municipality, age, needs, walk) == answer_of(graph, municipality, age, needs)
        assert coverage_matrix(small, municipality, bands="policy", walk=walk) == \
            coverage_matrix(graph, municipality, bands="policy")


def test_a_walk_answers_for_its_own_municipality_only(compiled):
    small, walk = compiled.reach_graphs["ino"]
    with pytest.raises(ValueError, match="ino"):
        referral_candidates(small, "mihara", walk=walk)
    with pytest.raises(ValueError, match="ino"):
        coverage_matrix(compiled.graph, "mihara", walk=walk)
    assert town_walk(compiled.graph, "ino") == walk


def test_synthetic_country_precompute_parity():
    csv = LISTS / "localgovjp" / "localgovjp-utf8.csv"
    if not csv.exists():
        pytest.skip(f"{csv} is not here")
    from bench.synthetic import generate

    graph, _, municipalities = generate(csv, 1, seed=7)
    assert len(municipalities) == 1741 and graph.number_of_nodes() > 20_000
    rng = random.Random(7)
    for municipality in rng.sample(municipalities, 25):
        small, walk = reach_subgraph(graph, municipality)
        _same_walk(walk, graph, municipality)
        for _ in range(4):
            age, needs = rng.randint(0, 80), rng.choice(NEEDS)
            assert answer_of(small, municipality, age, needs, walk) == answer_of(graph, municipality, age, needs)
        assert coverage_matrix(small, municipality, walk=walk) == coverage_matrix(graph, municipality)
