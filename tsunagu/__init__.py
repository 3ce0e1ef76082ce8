"""tsunagu (つなぐ): a knowledge graph of Japan's hikikomori support resources."""

__version__ = "0.1.0"
__all__ = ["__version__"]
