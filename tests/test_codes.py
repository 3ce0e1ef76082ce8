"""The check-digit rule against every real code in the shared municipality list."""

import csv

import pytest

from conftest import LISTS
from tsunagu.loaders import check_digit


def test_check_digit_rule_holds_for_every_real_code():
    path = LISTS / "localgovjp" / "localgovjp-utf8.csv"
    if not path.exists():
        pytest.skip(f"{path} not here")
    with open(path, encoding="utf-8-sig") as handle:
        codes = [row["lgcode"].zfill(6) for row in csv.DictReader(handle)]
    assert len(codes) == 1916
    assert all(check_digit(code[:5]) == int(code[5]) for code in codes)


@pytest.mark.parametrize("code, digit", [("34204", 1), ("39386", 0), ("13206", 3), ("23427", 3)])
def test_known_check_digits(code, digit):
    assert check_digit(code) == digit


def test_every_code_in_the_national_build_has_its_check_digit(national_compiled):
    """The national build kept every code it was given, and the build's one-pass check holds for all."""
    from tsunagu.compile.validate import code_errors
    from tsunagu.ontology import TG

    codes = [str(c) for c in national_compiled.rdf.objects(None, TG.code)]
    assert len(set(codes)) >= 1741 + 47
    assert all(check_digit(code[:5]) == int(code[5]) for code in codes)
    assert code_errors(national_compiled.rdf, {}) == []


_TOWN = {"tg": "https://w3id.org/tsunagu/def#", "id": "https://w3id.org/tsunagu/id/"}


@pytest.mark.parametrize("suffix", [".ttl", ".jsonld"])
def test_wrong_check_digit_in_rdf_inputs_is_reported(runner, tmp_path, suffix):
    """The build checks codes from Turtle and JSON-LD as the curated loader does (once, in Python)."""
    import json

    from tsunagu.cli import cli

    path = tmp_path / f"town{suffix}"
    if suffix == ".ttl":
        path.write_text("@prefix tg: <%s> .\n@prefix id: <%s> .\nid:ino tg:code \"393861\" .\n" % (_TOWN["tg"], _TOWN["id"]),
                        encoding="utf-8")
    else:
        path.write_text(json.dumps({"@context": _TOWN, "@id": "id:ino", "tg:code": "393861"}), encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert "record 'ino': field 'code': code 393861 has a wrong check digit (expected 393860)" in result.output
