"""What a build depends on, and the fingerprint over it.

A build depends on tsunagu's own code and data (the ontology, the curated
seeds, the carried national lists), on the user's input files, and on any
refreshed copy of the lists in use. :func:`fingerprint` hashes them all;
each file's hash is kept in the manifest beside its size and modification
time (:func:`file_hashes`), so a query command re-reads only files whose
size or time changed: a ``stat`` per file, not six megabytes hashed per
command.
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

from tsunagu._version import __version__
from tsunagu.loaders.embedded import embedded_data_files

__all__ = ["embedded_data_files", "fingerprint", "file_hashes"]

_ONTOLOGY_FILES = ("tsunagu.ttl", "domains.ttl", "shapes.ttl")
_DATA_SUFFIXES = (".yaml", ".yml", ".csv", ".json", ".ttl", ".tsv")


def _package_root():
    return Path(str(resources.files("tsunagu")))


def _package_files():
    """What a build depends on besides the user's files: ontology, data and the build code itself."""
    root = _package_root()
    files = [root / "ontology" / name for name in _ONTOLOGY_FILES] + embedded_data_files()
    # every data file at any depth (facts/, the carried lists) and the code of every subpackage
    # (loaders/sources/...): a change in any of them must rebuild; not the prebuilt snapshot, which
    # is made from these
    known = set(files)
    files.extend(p for p in _files_below(root / "data", _DATA_SUFFIXES, skip=("snapshot",)) if p not in known)
    for package in ("graph", "loaders", "ontology", "queries"):
        files.extend(_files_below(root / package, (".py",)))
    return files


def _files_below(folder, suffixes, skip=()):
    """Files under ``folder`` at any depth ending in ``suffixes``, sorted (os.walk: faster than rglob)."""
    found = []
    for directory, folders, names in os.walk(folder):
        folders[:] = [f for f in folders if f != "__pycache__" and f not in skip]
        found.extend(Path(directory) / name for name in names if name.endswith(suffixes))
    return sorted(found)


def _user_list_files(version=None):
    """The files of the refreshed lists in use (``tsunagu data update``), or of ``version``; none for
    the package's copies."""
    from tsunagu.loaders.sources.carried import carried_lists

    return [f for item in carried_lists(version=version) if item.origin == "updated" for f in item.data_files()]


def _labelled_files(inputs, lists, lists_version=None):
    """(label, path) of every file a build's fingerprint covers: the label is what is hashed beside the
    contents, so the package's files count by their place in the package, wherever it is installed."""
    root = _package_root()
    labelled = [(str(p.relative_to(root)), p) for p in _package_files()]
    for path in [Path(p) for p in inputs] + (_user_list_files(lists_version) if lists else []):
        # a folder input (an HSDS export) counts by every file in it
        for member in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if member.is_file() or member == path:
                labelled.append((str(member.relative_to(path)) if member != path else path.name, member))
    return labelled


def file_hashes(paths, known=None):
    """``{path: [size, mtime_ns, sha256]}`` for ``paths``, reusing ``known``'s hash of a file whose
    size and modification time are unchanged (a manifest's record), reading the others."""
    known = known or {}
    hashes = {}
    for path in paths:
        key = str(path)
        try:
            status = os.stat(path)
        except OSError:
            hashes[key] = [None, None, None]  # gone: a fingerprint that matches nothing recorded
            continue
        old = known.get(key)
        if old and old[0] == status.st_size and old[1] == status.st_mtime_ns:
            hashes[key] = list(old)
        else:
            hashes[key] = [status.st_size, status.st_mtime_ns, _sha256(path)]
    return hashes


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(inputs, *, lists=False, lists_version=None, known=None, hashes_out=None):
    """A hash over the package's own data and code, the contents of ``inputs`` and, when the build
    read the carried lists (``lists``), the refreshed copies in use (or those in ``lists_version``:
    a refreshed copy's files count by name and contents, so it hashes the same once in use).

    ``known``: a manifest's file hashes, reused for files whose size and time are unchanged;
    ``hashes_out``: a dict that receives every file's ``[size, mtime_ns, sha256]`` (for the manifest).
    """
    labelled = _labelled_files(inputs, lists, lists_version)
    hashes = file_hashes([path for _, path in labelled], known)
    if hashes_out is not None:
        hashes_out.update(hashes)
    digest = hashlib.sha256(__version__.encode())
    for label, path in labelled:
        digest.update(label.encode())
        digest.update(str(hashes[str(path)][2]).encode())
    return digest.hexdigest()
