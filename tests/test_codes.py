"""The check-digit rule against every real code in the shared municipality list."""

import csv

import pytest

from conftest import SHARED
from tsunagu.loaders import check_digit


def test_check_digit_rule_holds_for_every_real_code():
    path = SHARED / "data" / "localgovjp" / "localgovjp-utf8.csv"
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
    from tsunagu.graph.validate import code_errors
    from tsunagu.ontology import TG

    codes = [str(c) for c in national_compiled.rdf.objects(None, TG.code)]
    assert len(set(codes)) >= 1741 + 47
    assert all(check_digit(code[:5]) == int(code[5]) for code in codes)
    assert code_errors(national_compiled.rdf, {}) == []
