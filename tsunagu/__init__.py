"""tsunagu (つなぐ): a knowledge graph of Japan's hikikomori support resources.

``tsunagu.open()`` is the library's entry (see :mod:`tsunagu.api`); it is
imported on first use so that ``import tsunagu`` stays light.
"""

__version__ = "0.1.0"
__all__ = ["__version__", "open"]


def __getattr__(name):
    if name == "open":
        from tsunagu.api import open

        return open
    raise AttributeError(f"module 'tsunagu' has no attribute '{name}'")
