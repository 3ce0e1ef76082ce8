"""The house shows the flow: sources -> loaders -> compile -> store -> queries -> facade -> front ends.

Read from the source with ``ast`` (every import, at the top of a module or
inside a function, counts): no module imports, through any chain, a module
that imports it back, and the build never imports the questions asked of it.
"""

import ast
from pathlib import Path

import tsunagu

PACKAGE = Path(tsunagu.__file__).parent


def _module_of(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports():
    """module -> the tsunagu modules it imports (a package import counts as its __init__)."""
    modules = {_module_of(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _circles(graph):
    """Strongly connected groups of more than one module (Tarjan, iteratively)."""
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_the_import_graph_is_read():
    graph = _imports()
    assert "tsunagu.queries.referral" in graph["tsunagu.api"] or "tsunagu.queries.referral" in set().union(*graph.values())
    assert "tsunagu.rules.judge" in graph["tsunagu.queries.coverage"]
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_itself_back():
    assert _circles(_imports()) == []


def test_the_build_does_not_import_the_questions():
    graph = _imports()
    build = [m for m in graph if m.startswith(("tsunagu.compile", "tsunagu.loaders", "tsunagu.rules", "tsunagu.store"))]
    leaks = sorted((m, q) for m in build for q in graph[m] if q.startswith(("tsunagu.queries", "tsunagu.api",
                                                                         "tsunagu.cli", "tsunagu.web")))
    assert leaks == []
