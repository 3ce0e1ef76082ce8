"""tsunagu (つなぐ): a knowledge graph of Japan's hikikomori support resources.

``tsunagu.open()`` is the library's entry (see :mod:`tsunagu.api`); it is
imported on first use so that ``import tsunagu`` stays light.
"""

from tsunagu._version import __version__

TYPE_CHECKING = False  # what typing.TYPE_CHECKING is, without importing typing
if TYPE_CHECKING:  # imported on first use (below); named here for type checkers
    from tsunagu.api import open

__all__ = ["__version__", "open"]


def __getattr__(name: str) -> object:
    if name == "open":
        from tsunagu.api import open

        return open
    raise AttributeError(f"module 'tsunagu' has no attribute '{name}'")
