"""Input formats: the curated YAML format and plain RDF files."""

from tsunagu.loaders.curated import (
    CuratedFile,
    Record,
    Source,
    check_digit,
    curated_to_rdf,
    parse_age,
    read_curated,
)
from tsunagu.loaders.rdf import RDF_SUFFIXES, defined_ids, read_rdf

__all__ = [
    "CuratedFile",
    "Record",
    "Source",
    "check_digit",
    "curated_to_rdf",
    "parse_age",
    "read_curated",
    "RDF_SUFFIXES",
    "defined_ids",
    "read_rdf",
    "CURATED_SUFFIXES",
]

CURATED_SUFFIXES = (".yaml", ".yml")
