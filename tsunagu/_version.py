"""The version of tsunagu (kept here so that any module may read it without importing the package's facade)."""

__version__ = "0.1.0"
