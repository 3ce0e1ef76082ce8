"""Input formats: the curated YAML format and plain RDF files.

Names are imported on first use, so that a light module below (the carried
lists' catalogue, read by every query command) does not pay for rdflib.
"""

from importlib import import_module

__all__ = [
    "CuratedFile",
    "Record",
    "Source",
    "check_digit",
    "curated_to_rdf",
    "Conversion",
    "parse_age",
    "read_curated",
    "RDF_SUFFIXES",
    "defined_ids",
    "read_rdf",
    "CURATED_SUFFIXES",
]

from tsunagu.loaders.embedded import CURATED_SUFFIXES  # noqa: E402 (light: no rdflib)
_HOME = {name: "curated" for name in ("CuratedFile", "Record", "Source", "check_digit", "curated_to_rdf", "Conversion",
                                       "parse_age", "read_curated")} | {name: "formats.rdf" for name in ("RDF_SUFFIXES", "defined_ids", "read_rdf")}


def __getattr__(name):
    if name in _HOME:
        return getattr(import_module(f"tsunagu.loaders.{_HOME[name]}"), name)
    raise AttributeError(f"module 'tsunagu.loaders' has no attribute '{name}'")
