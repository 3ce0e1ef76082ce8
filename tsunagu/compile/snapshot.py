"""The prebuilt default build a wheel carries, installed on first use.

The default build (the seeds' records and the whole country from the carried
lists) takes some twenty seconds on a small office PC, and its cache is a
few hundred megabytes. So a wheel carries that cache compressed
(``tsunagu/data/snapshot/``: the manifest and each file as ``.xz``), made
from the very files it ships when the package is built
(:func:`make_snapshot`, run by ``_build_snapshot.py`` at the root of the
source tree). The first command with an empty cache checks that the
snapshot's fingerprint is the one these files give (same code, same data,
no refreshed lists) and unpacks it, under the build lock, checking each
file's size and hash; otherwise it builds. ``$TSUNAGU_SNAPSHOT`` names
another snapshot folder (plain or compressed files), such as a build an
office shares.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["SNAPSHOT_VARIABLE", "snapshot_dir", "make_snapshot", "install_snapshot"]

SNAPSHOT_VARIABLE = "TSUNAGU_SNAPSHOT"
_MANIFEST = "manifest.json"
_PRESET = 3  # xz: 230 MB of cache to 9 MB in some 10 s; higher presets gain little and take minutes


def snapshot_dir():
    """The snapshot folder to install from: ``$TSUNAGU_SNAPSHOT``, else the package's, else None."""
    from importlib import resources

    named = os.environ.get(SNAPSHOT_VARIABLE)
    folder = Path(named) if named else Path(str(resources.files("tsunagu"))) / "data" / "snapshot"
    return folder if (folder / _MANIFEST).is_file() else None


def make_snapshot(target, *, compress=True, jobs=None, notice=None, preset=_PRESET):
    """Build the default data and write it to ``target`` as a snapshot; returns its manifest (a dict).

    ``compress``: each file as ``NAME.xz`` (what a wheel carries, at xz ``preset``), else as is.
    """
    from tsunagu.compile.compiler import build

    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tsunagu-snapshot-") as home:
        build((), home, lists=True, jobs=jobs)
        manifest = json.loads((Path(home) / _MANIFEST).read_text(encoding="utf-8"))
        for name in manifest["files"].values():
            source = Path(home) / name
            if compress:
                with open(source, "rb") as raw, lzma.open(target / f"{name}.xz", "wb", preset=preset) as packed:
                    shutil.copyfileobj(raw, packed, 1 << 20)
            else:
                shutil.copyfile(source, target / name)
            if notice:
                notice(f"{name}: {source.stat().st_size / 1e6:.1f} MB")
    manifest["hashes"] = {}  # stat records of the build machine's files mean nothing elsewhere
    manifest["snapshot"] = {"compressed": compress}
    (target / _MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _matches(manifest, format_version):
    """True when ``manifest`` is the default build these very files would make."""
    from tsunagu.compile.inputs import fingerprint

    args = manifest.get("build_args") or {}
    if manifest.get("format") != format_version or args.get("lists") is not True or args.get("paths") \
            or args.get("sources") or manifest.get("inputs"):
        return None
    hashes = {}
    return hashes if fingerprint([], lists=True, hashes_out=hashes) == manifest.get("fingerprint") else None


def _unpack(source, destination, compressed, check):
    """Copy (or decompress) ``source`` to ``destination`` through a temporary name, checking size and hash."""
    from tsunagu.exceptions import CacheDamaged

    temporary = destination.with_name(destination.name + ".tmp")
    digest, size = hashlib.sha256(), 0
    try:
        with (lzma.open(source, "rb") if compressed else open(source, "rb")) as stream, open(temporary, "wb") as out:
            os.chmod(temporary, 0o600)
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
                out.write(block)
        if check and (size != check["size"] or digest.hexdigest() != check["sha256"]):
            raise CacheDamaged(f"同梱の全国データ {source} が壊れています（サイズか内容が記録と違う）。"
                               "tsunagu build を実行してください")
        os.replace(temporary, destination)
    except (OSError, lzma.LZMAError) as error:
        temporary.unlink(missing_ok=True)
        raise CacheDamaged(f"同梱の全国データ {source} を展開できません ({error})。tsunagu build を実行してください") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def install_snapshot(directory=None, notice=None):
    """Install the snapshot into ``directory`` (the cache) when it matches these files; the
    :class:`~tsunagu.store.cache.Stored` it makes, or None (no snapshot, or made from other files)."""
    from tsunagu.store import cache as store

    folder = snapshot_dir()
    if folder is None:
        return None
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    hashes = _matches(manifest, store._FORMAT_VERSION)
    if hashes is None:
        return None
    directory = Path(directory or store.cache_dir())
    compressed = bool((manifest.get("snapshot") or {}).get("compressed"))
    with store.build_lock(directory):
        existing = store.load_stored(directory)
        if existing is not None:  # another process installed or built meanwhile
            return existing
        if notice:
            from tsunagu.compile.progress import Progress

            notice(Progress("初めての実行: 同梱の全国データを展開しています（数秒かかります）"))
        for name in manifest["files"].values():
            source = folder / (f"{name}.xz" if compressed else name)
            _unpack(source, directory / name, compressed, (manifest.get("checks") or {}).get(name))
        manifest["hashes"] = hashes
        manifest.pop("snapshot", None)
        store.write_manifest(directory, manifest)
    return store.load_stored(directory)
