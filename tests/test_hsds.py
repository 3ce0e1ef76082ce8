"""HSDS 3.0: the export validates against the official schemas, re-exports without churn,
and reads back into the same referral answers; the official example folder imports."""

import csv
import json

import pytest

from conftest import SHARED

HSDS = SHARED / "data" / "hsds"


@pytest.fixture(scope="module")
def validators():
    if not (HSDS / "schema").is_dir():
        pytest.skip("the HSDS schemas are in ../shared/data/hsds (beside the repo in CI)")
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (HSDS / "schema").glob("*.json")
               if p.name != "openapi.json"}
    registry = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT202012)) for name, schema in schemas.items())
    return {name[:-5]: Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())
            for name, schema in schemas.items()}


@pytest.fixture(scope="module")
def exported(compiled, tmp_path_factory):
    from tsunagu.loaders.formats.hsds import write_hsds

    directory = tmp_path_factory.mktemp("hsds") / "export"
    counts = write_hsds(compiled.graph, directory)
    return directory, counts


def _problems(validator, record):
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(record)]


def test_every_record_validates_against_the_official_schemas(compiled, validators):
    from tsunagu.loaders.formats.hsds import SCHEMA_OF_TABLE, hsds_documents, hsds_tables

    tables = hsds_tables(compiled.graph)
    problems = []
    for table, rows in tables.items():
        for row in rows:
            record = {k: v for k, v in row.items() if v is not None}
            problems += [f"{table}: {p}" for p in _problems(validators[SCHEMA_OF_TABLE[table]], record)]
    documents = hsds_documents(tables)
    for name, schema in (("organizations", "organization"), ("services", "service")):
        for document in documents[name]:
            problems += [f"json {name}: {p}" for p in _problems(validators[schema], document)]
    assert problems == []
    assert len(tables["organizations"]) > 50 and tables["services"] and tables["metadata"]


def test_ages_map_to_minimum_and_maximum_and_unstated_stays_empty(exported):
    directory, _ = exported
    with open(directory / "services.csv", encoding="utf-8", newline="") as stream:
        services = {row["name"]: row for row in csv.DictReader(stream)}
    youth = services["三原市若者居場所づくり事業"]
    assert (youth["minimum_age"], youth["maximum_age"]) == ("15", "39")
    saposute_like = [row for name, row in services.items() if row["maximum_age"] == "49"]
    assert saposute_like and all(row["minimum_age"] == "" for row in saposute_like)  # "-49": the minimum is not stated
    unstated = [row for row in services.values() if row["minimum_age"] == row["maximum_age"] == ""]
    assert unstated  # programs whose source states no age


def test_the_youth_place_keeps_its_address_and_schedule(exported):
    directory, _ = exported
    with open(directory / "addresses.csv", encoding="utf-8", newline="") as stream:
        addresses = list(csv.DictReader(stream))
    with open(directory / "schedules.csv", encoding="utf-8", newline="") as stream:
        schedules = list(csv.DictReader(stream))
    assert any(row["address_1"] == "港町一丁目2番26号" and row["city"] == "三原市" and row["state_province"] == "広島県"
               for row in addresses)
    assert any("毎月第2・4金曜日 午後" in row["description"] for row in schedules)


def test_a_second_export_does_not_churn(compiled, exported, tmp_path):
    from tsunagu.loaders.formats.hsds import write_hsds

    first, _ = exported
    write_hsds(compiled.graph, tmp_path / "again")
    for path in sorted(first.glob("*.csv")):
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name


def test_export_then_import_gives_the_same_referral_answers(compiled, exported):
    from tsunagu.compile import compile_graph
    from conftest import answer_key
    from tsunagu.rules.reach import municipality_nodes

    directory, _ = exported
    imported = compile_graph([directory], embedded=False, lists=False)
    needs = (["employment"], ["safe-place"], ["family-support"], ["health"], ["welfare"], ["consultation"])
    compared = 0
    for municipality in municipality_nodes(compiled.graph):
        before_graph, before_walk = compiled.reach_graphs[municipality]
        after_graph, after_walk = imported.reach_graphs[municipality]
        for age in (12, 17, 25, 45, 52, 63):
            for need in needs:
                before = answer_key(before_graph, municipality, age, need, before_walk)
                after = answer_key(after_graph, municipality, age, need, after_walk)
                assert after == before, (municipality, age, need)
                compared += 1
    assert compared == 7 * 6 * 6


def test_the_official_example_folder_imports_and_reports_what_it_cannot_map():
    if not (HSDS / "examples" / "csv").is_dir():
        pytest.skip("the HSDS examples are in ../shared/data/hsds")
    from tsunagu.compile import compile_graph
    from tsunagu.loaders.formats.hsds import read_hsds

    files, notices = read_hsds(HSDS / "examples" / "csv")
    service = next(r for f in files for r in f.records if r.fields.get("name") == "Community Counselling")
    assert service.fields["age"] == "12-100"
    assert service.fields["run_by"] == ["hsds-org-d9d5e0f5d3ce4f739a2f4dd0ecc6c610"]  # the whole UUID
    assert service.fields["languages"] == ["Urdu"]
    assert any("fees_description" in line for line in notices)
    assert any("MyCity area" in line and "names no municipality" in line for line in notices)
    graph = compile_graph([HSDS / "examples" / "csv"], lists=False).graph
    service, org = "hsds-service-ac148810d857441c9679408f346de14b", "hsds-org-d9d5e0f5d3ce4f739a2f4dd0ecc6c610"
    assert graph.nodes[service]["age_min"] == 12
    assert (org, service) in {(s, t) for s, t, k in graph.edges(keys=True) if k == "runs"}


def test_a_bad_hsds_row_names_file_row_and_field(tmp_path):
    from tsunagu.exceptions import DataErrors
    from tsunagu.compile import compile_graph

    folder = tmp_path / "hsds"
    folder.mkdir()
    (folder / "organizations.csv").write_text(
        "id,name,description\n11111111-1111-4111-8111-111111111111,つなぐ会,NPO\n", encoding="utf-8")
    (folder / "services.csv").write_text(
        "id,organization_id,name,status,minimum_age,maximum_age\n"
        "22222222-2222-4222-8222-222222222222,11111111-1111-4111-8111-111111111111,居場所,active,40,20\n"
        "33333333-3333-4333-8333-333333333333,11111111-1111-4111-8111-111111111111,,active,,\n", encoding="utf-8")
    with pytest.raises(DataErrors) as raised:
        compile_graph([folder], lists=False)
    text = str(raised.value)
    assert "services.csv:2" in text and "field 'age'" in text and "above its max" in text
    assert "services.csv:3" in text and "field 'name'" in text
