"""One walk: the diagram shows what the walk visits, and a walk that loads its graph as it goes
(as the Bolt backend's does) reads only what it announced and ends with the same subgraph."""



from tsunagu.diagrams import municipality_view
from tsunagu.compile.precompute import reach_subgraph
from tsunagu.rules.reach import municipality_nodes, reach, walk_nodes

_FACT_KINDS = {"DutyStatus", "AnnualFigure", "SurveyFigure", "SupportDomain"}


def _context_allowed(graph, walked):
    """The documented context of a municipality diagram, written out here independently:
    around each platform the walk visits, its members and secretariat, what it is built on,
    the areas it serves, its advisers and their members; then what all of those run or
    entrust, and a regional centre's satellites."""
    def into(node, *relations):
        return {s for s, _, k in graph.in_edges(node, keys=True) if k in relations}

    def out(node, *relations):
        return {t for _, t, k in graph.out_edges(node, keys=True) if k in relations}

    allowed = set()
    for node in walked:
        if {"Platform"} & set(graph.nodes[node]["types"]):
            allowed |= into(node, "memberOf", "secretariatOf") | out(node, "builtOn", "servesArea")
            for adviser in into(node, "advises"):
                allowed |= {adviser} | into(adviser, "memberOf", "secretariatOf")
    frontier = set(allowed)
    while frontier:
        more = set()
        for node in frontier:
            more |= out(node, "runs", "entrustedTo")
            if "RegionalSupportCentre" in graph.nodes[node]["types"]:
                more |= into(node, "satelliteOf")
        frontier = more - allowed
        allowed |= frontier
    return allowed


def test_every_municipality_diagram_holds_the_walk_and_only_documented_context(graph):
    municipalities = municipality_nodes(graph)
    assert len(municipalities) >= 7
    for municipality in municipalities:
        reached = reach(graph, municipality)
        on_paths = {hop.id for item in reached for hop in item.path}
        walked = walk_nodes(graph, municipality)
        view = set(municipality_view(graph, municipality).nodes)
        assert {item.node for item in reached} | on_paths <= walked, municipality
        shown = {n for n in walked if graph.nodes[n].get("kind") not in _FACT_KINDS}
        assert shown <= view, (municipality, sorted(shown - view))
        extra = view - walked
        assert extra <= _context_allowed(graph, walked), (municipality, sorted(extra - _context_allowed(graph, walked)))


def test_wide_area_context_is_the_platforms_towns(graph):
    walked = walk_nodes(graph, "tobishima")
    view = set(municipality_view(graph, "tobishima").nodes)
    assert {"oharu", "kanie"} <= view - walked  # the other towns of the wide-area platform: context, not reach


def test_the_walk_over_a_reach_subgraph_finds_it_again(graph):
    """What a Bolt server serves: the nodes of a municipality's reach subgraph and the edges among
    them, walked again where they are fetched; the walk must find the same subgraph and answers."""
    for municipality in municipality_nodes(graph):
        first, walk = reach_subgraph(graph, municipality)
        again, walked_again = reach_subgraph(first, municipality)
        assert sorted(again.nodes(data=True)) == sorted(first.nodes(data=True)), municipality
        assert sorted(again.edges(keys=True)) == sorted(first.edges(keys=True)), municipality
        assert walked_again == walk, municipality



def test_reach_subgraph_keeps_what_the_answers_name(graph):
    tobishima, _ = reach_subgraph(graph, "tobishima")
    # the wide-area platform's secretariat, with the edge that says so
    assert ("aichi-ama-welfare-centre", "ama-platform", "secretariatOf") in set(tobishima.edges(keys=True))
    ino, _ = reach_subgraph(graph, "ino")
    # a route type serving the town (いの町ほけん福祉課) stays, with its edges
    assert {("ino-hoken-fukushi", "ino", "servesArea"), ("ino-hoken-fukushi", "ino-platform", "secretariatOf")} <= \
        set(ino.edges(keys=True))
    mihara, _ = reach_subgraph(graph, "mihara")
    centres = {n for n in mihara if "RegionalSupportCentre" in mihara.nodes[n]["types"]}
    assert centres == {"hiroshima-support-centre", "hiroshima-support-centre-east"}
    for municipality in municipality_nodes(graph):
        small, _ = reach_subgraph(graph, municipality)
        serving = {s for s, _, k in graph.in_edges(municipality, keys=True) if k in ("servesArea", "windowOf", "locatedIn")}
        assert serving <= set(small), municipality
