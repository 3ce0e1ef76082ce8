"""Input sources of a national build, by name: ``tsunagu build --source NAME=PATH``.

A source is one module with a function ``load(path, directory)`` that adds
what its file says to a :class:`~tsunagu.loaders.sources.directory.Directory`.
The registry maps each name to ``"module:function"`` (as rdflib's plugin
registry does), so adding a list means adding one module and one line here,
or calling :func:`register` from outside the package.

Sources load in registry order: the municipality list first (everything else
joins onto its codes), then the lists that attach windows to municipalities.
"""

from __future__ import annotations

from importlib import import_module

from tsunagu.exceptions import TsunaguError

__all__ = ["register", "source_names", "source_loader", "parse_source_option"]

_REGISTRY = {
    "municipalities": "tsunagu.loaders.sources.national:load_municipalities",
    "population": "tsunagu.loaders.sources.national:load_population",
    "survey": "tsunagu.loaders.sources.national:load_survey",
    "fukushi_portal": "tsunagu.loaders.sources.fukushi_portal:load",
    "hokenjo": "tsunagu.loaders.sources.hokenjo:load",
    "mhlw_jiritsu_2023": "tsunagu.loaders.sources.mhlw_jiritsu_2023:load",
}


def register(name, target):
    """Register ``"module:function"`` as the loader of source ``name`` (it loads after those already known).

    Examples
    --------
    >>> register("fukushi_portal", "tsunagu.loaders.sources.fukushi_portal:load")
    >>> "fukushi_portal" in source_names()
    True
    """
    _REGISTRY[name] = target


def source_names():
    """The known source names, in the order they load.

    Examples
    --------
    >>> source_names()[0]
    'municipalities'
    """
    return list(_REGISTRY)


def source_loader(name):
    """The ``load(path, directory)`` function of source ``name``.

    Examples
    --------
    >>> source_loader("hokenjo").__module__
    'tsunagu.loaders.sources.hokenjo'
    """
    if name not in _REGISTRY:
        raise TsunaguError(f"未知の入力ソース '{name}'。使えるもの: {', '.join(_REGISTRY)}")
    module, _, function = _REGISTRY[name].partition(":")
    return getattr(import_module(module), function)


def parse_source_option(text):
    """``"NAME=PATH"`` -> ``(NAME, PATH)``, checking the name.

    Examples
    --------
    >>> parse_source_option("hokenjo=../shared/data/hokenjo")
    ('hokenjo', '../shared/data/hokenjo')
    """
    name, sep, path = text.partition("=")
    name = name.strip()
    if not sep or not name or not path.strip():
        raise TsunaguError(f"--source は NAME=PATH の形で指定してください（'{text}'）")
    if name not in _REGISTRY:
        raise TsunaguError(f"未知の入力ソース '{name}'。使えるもの: {', '.join(_REGISTRY)}")
    return name, path.strip()
