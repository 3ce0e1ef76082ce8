"""The curated records tsunagu ships (``tsunagu/data/*.yaml``): light, read by every query command's
freshness check and by the loaders that merge a user's records with them."""

from __future__ import annotations

from pathlib import Path

__all__ = ["CURATED_SUFFIXES", "WORKBOOK_SUFFIXES", "embedded_data_files"]

CURATED_SUFFIXES = (".yaml", ".yml")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")  # here, light, so the format registry needs no openpyxl to choose


def embedded_data_files() -> list[Path]:
    """The curated files shipped in ``tsunagu/data``, by name.

    Examples
    --------
    >>> [p.name for p in embedded_data_files()][:2]
    ['aichi.yaml', 'ama-area.yaml']
    """
    from importlib import resources  # here: importlib.resources pulls in zipfile, which a query need not pay for

    root = resources.files("tsunagu") / "data"
    return sorted((Path(str(p)) for p in root.iterdir() if p.name.endswith(CURATED_SUFFIXES)), key=lambda p: p.name)
