"""tsunagu (つなぐ): a knowledge graph of Japan's hikikomori support resources.

``tsunagu.open()`` is the library's entry (see :mod:`tsunagu.api`); it is
imported on first use so that ``import tsunagu`` stays light.
"""

from tsunagu._version import __version__
__all__ = ["__version__", "open"]


def __getattr__(name):
    if name == "open":
        from tsunagu.api import open

        return open
    raise AttributeError(f"module 'tsunagu' has no attribute '{name}'")
