"""Doctests of every module (``--doctest-modules`` over the package): each reads one seeds-only
build made once per session, as a user's ``tsunagu.open()`` would read the last build."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def _doctest_home(tmp_path_factory):
    from tsunagu.compile import build

    home = tmp_path_factory.mktemp("doctest-home")
    build((), home, lists=False)
    return home


@pytest.fixture(autouse=True)
def _doctests_read_the_seeds_build(request, monkeypatch):
    if isinstance(request.node, pytest.DoctestItem):
        monkeypatch.setenv("TSUNAGU_HOME", str(request.getfixturevalue("_doctest_home")))
        monkeypatch.delenv("TSUNAGU_DATA", raising=False)
        monkeypatch.delenv("TSUNAGU_SNAPSHOT", raising=False)
        monkeypatch.setenv("TSUNAGU_SHARED", os.environ.get("TSUNAGU_SHARED", str(ROOT.parent / "shared")))
