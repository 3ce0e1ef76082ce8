import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TSUNAGU_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
BROKEN = Path(__file__).parent / "broken"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Every test gets its own cache directory: no test sees another's build."""
    monkeypatch.setenv("TSUNAGU_HOME", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def compiled():
    from tsunagu.graph import compile_graph

    return compile_graph()


@pytest.fixture(scope="session")
def graph(compiled):
    return compiled.graph


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()


def seed_text(name):
    path = SEEDS / name
    if not path.exists():
        pytest.skip(f"seed {path} is not here (../shared is beside the repo in CI)")
    return path.read_text(encoding="utf-8")
