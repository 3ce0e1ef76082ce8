"""SYNTHETIC inputs as the files a user builds from: a localgovjp-style municipality CSV and curated YAML.

    python bench/synthetic_files.py OUT_DIR --scale 10

writes ``OUT_DIR/municipalities.csv`` and ``OUT_DIR/curated/*.yaml`` (one file per prefecture), to be built with

    tsunagu build --municipalities OUT_DIR/municipalities.csv OUT_DIR/curated/*.yaml

Nothing here is a fact. At 1x the CSV is the real localgovjp list; every organisation, program and duty
status in the YAML is made up, named ``（合成）`` and cited to the document ``SYNTHETIC``. At Nx the CSV
holds the real list plus N-1 made-up copies of every municipality (wards are not copied), each with a new
code (valid check digit) in its prefecture's code block, or in a spare block 48-99 named
``<県名>（合成）`` when the prefecture's block is full, and a name marked with a full-width copy number
before its 市/町/村/区 (so its kind still reads from the name). The directory's shape follows
``bench/synthetic.py``: platforms of 5-25 members, shared Hello Work and Saposute offices, a regional
support centre and a prefectural platform per prefecture, programs with age ranges and domains, and the
three duties in the national survey's proportions.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from importlib import resources
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

__all__ = ["write_inputs", "synthetic_csv_rows", "DEFAULT_MUNICIPALITIES"]

DEFAULT_MUNICIPALITIES = ROOT.parent / "shared" / "data" / "localgovjp" / "localgovjp-utf8.csv"
_SOURCE = {"syn": {"document": "SYNTHETIC", "quote": "tsunagu bench/synthetic_files.py: made-up data for measurement only"}}
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# The same proportions and kinds as the in-memory generator, so both describe one synthetic country.
from bench.synthetic import _DOMAINS, _MEMBER_KINDS, _NEEDS, _PUBLICISED, _WINDOW  # noqa: E402

_AGES = [None, None, "15-39", "18-64", "0-"]
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: 10x writes 270k records


def _check_digit(code5):
    total = sum(int(digit) * weight for digit, weight in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def _code6(code5):
    return code5 + str(_check_digit(code5))


def _copy_name(name, copy):
    """札幌市 -> 札幌２市: the kind still reads from the last character."""
    return name[:-1] + str(copy + 1).translate(_FULLWIDTH) + name[-1]


def synthetic_csv_rows(path, scale):
    """The header and rows of the municipality CSV at ``scale`` (1: the real list unchanged)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for row in reader if any(v.strip() for v in row)]
    if scale == 1:
        return header, rows
    col = {name: header.index(name) for name in ("pref", "city", "lgcode", "cid")}
    used = {row[col["lgcode"]].strip().zfill(6)[:5] for row in rows}
    # free 3-digit numbers per 2-digit block, above the designated-ward block 101-199
    free = {}
    spare_blocks = [f"{b:02d}" for b in range(48, 100)]
    spares_of = {}

    def allocate(block, pref_name):
        candidates = [(block, pref_name)] + [(spare, f"{pref_name}（合成）") for spare in spares_of.get(block, [])]
        for number_block, name in candidates:
            numbers = free.setdefault(number_block, [n for n in range(999, 199, -1) if f"{number_block}{n:03d}" not in used])
            if numbers:
                return name, f"{number_block}{numbers.pop():03d}"
        spares_of.setdefault(block, []).append(spare_blocks.pop(0))  # the block is full: a spare block of its own
        return allocate(block, pref_name)

    out = list(rows)
    for copy in range(1, scale):
        for row in rows:
            if " " in row[col["city"]]:
                continue  # wards stay with the real list only
            block = row[col["lgcode"]].strip().zfill(6)[:2]
            pref_name, code5 = allocate(block, row[col["pref"]])
            new = list(row)
            new[col["pref"]] = pref_name
            new[col["city"]] = _copy_name(row[col["city"]].strip(), copy)
            new[col["cid"]] = str(int(code5))
            new[col["lgcode"]] = _code6(code5)
            out.append(new)
    return header, out


def _embedded_ids():
    """code -> id of the areas the embedded curated data already defines (synthetic files refer to them)."""
    ids = {}
    for entry in (resources.files("tsunagu") / "data").iterdir():
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
            for record in data.get("records") or []:
                if record.get("code"):
                    ids[str(record["code"])] = record["id"]
    return ids


def write_inputs(directory, scale=1, seed=20201027, municipalities=DEFAULT_MUNICIPALITIES):
    """Write the CSV and the curated YAML files at ``scale`` into ``directory``; return (csv path, yaml paths, counts)."""
    from tsunagu.loaders.municipalities import read_localgovjp

    directory = Path(directory)
    (directory / "curated").mkdir(parents=True, exist_ok=True)
    header, rows = synthetic_csv_rows(municipalities, scale)
    csv_path = directory / "municipalities.csv"
    with open(csv_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    listing = read_localgovjp(csv_path)  # the project's own reading: kinds and prefectures as the build sees them
    embedded = _embedded_ids()
    r = random.Random(seed)
    by_prefecture = {}
    for row in listing.municipalities:
        by_prefecture.setdefault(row.prefecture_code, []).append(row)
    paths, records_total = [], 0
    for pref_code, pref_rows in sorted(by_prefecture.items()):
        pref_name = listing.prefectures[pref_code][0]
        records = []
        add = records.append
        pref = embedded.get(pref_code)
        if pref is None:
            pref = f"s-pref-{pref_code}"
            add({"id": pref, "type": "Prefecture", "name": pref_name, "code": pref_code, "sources": ["syn"]})
        p = f"s-{pref_code}"
        add({"id": f"{p}-centre", "type": "RegionalSupportCentre", "name": f"{pref_name}ひきこもり地域支援センター（合成）",
             "serves": [pref], "domains": ["consultation", "outreach", "network"], "age": "0-", "sources": ["syn"]})
        ppf_members = []
        for i, kind in enumerate(["LabourBureau", "EconomicOrganisation", "FamilyAssociation", "HelloWork"]):
            ppf_members.append(f"{p}-ppf-{i}")
            add({"id": f"{p}-ppf-{i}", "type": kind, "name": f"{pref_name}{kind}（合成）", "serves": [pref], "sources": ["syn"]})
        add({"id": f"{p}-pf", "type": "PrefecturalPlatform", "name": f"{pref_name}プラットフォーム（合成）", "serves": [pref],
             "members": ppf_members, "sources": ["syn"]})
        own = [row for row in pref_rows if row.code not in embedded]
        ids = {row.code: f"s-m-{row.code}" for row in own}
        hello, saposute = {}, {}
        for index, row in enumerate(own):
            hello.setdefault(index // 8, []).append(ids[row.code])
            saposute.setdefault(index // 15, []).append(ids[row.code])
        small = [row for row in own if row.kind in ("Town", "Village")]
        groups = {}
        for index, row in enumerate(small):
            if r.random() < 0.2:
                groups.setdefault(index // 3, []).append(row)
        wide_of = {row.code: group for group in groups.values() if len(group) >= 2 for row in group}
        platforms_of_hw = {}
        made_wide = set()
        for index, row in enumerate(own):
            m = ids[row.code]
            add({"id": m, "type": row.kind, "name": row.name, "code": row.code, "prefecture": pref, "sources": ["syn"]})
            window = r.random() < _WINDOW[row.kind]
            if window:
                add({"id": f"{m}-dept", "type": "MunicipalDepartment", "name": f"{row.name}福祉課（合成）", "serves": [m],
                     "sources": ["syn"]})
                add({"id": f"{m}-window", "type": "ConsultationWindow", "name": f"{row.name}ひきこもり相談窓口（合成）",
                     "municipality": m, "run_by": [f"{m}-dept"], "domains": ["consultation"], "age": "0-", "sources": ["syn"]})
            statuses = {"window-clarified": window, "window-publicised": window and r.random() < _PUBLICISED[row.kind],
                        "needs-survey": r.random() < _NEEDS[row.kind]}
            group = wide_of.get(row.code)
            platform = None
            if group:
                platform = f"s-wide-{group[0].code}"
                if platform not in made_wide:
                    made_wide.add(platform)
                    members = _members(add, r, f"s-wide-{group[0].code}", pref_name)
                    add({"id": platform, "type": "WideAreaPlatform", "name": "・".join(g.name for g in group) + "広域プラットフォーム（合成）",
                         "serves": [ids[g.code] for g in group], "secretariat": members[0], "members": members[1:],
                         "sources": ["syn"]})
                statuses["platform"] = True
            elif r.random() < 0.5:
                platform = f"{m}-pf"
                members = _members(add, r, m, row.name)
                add({"id": platform, "type": "MunicipalPlatform", "name": f"{row.name}プラットフォーム（合成）", "serves": [m],
                     "secretariat": members[0], "members": members[1:], "sources": ["syn"]})
                statuses["platform"] = True
            else:
                statuses["platform"] = False
            if platform:
                platforms_of_hw.setdefault(index // 8, set()).add(platform)
            for duty, done in statuses.items():
                add({"id": f"{m}-{duty}", "type": "DutyStatus", "municipality": m, "duty": duty, "fulfilled": bool(done),
                     "as_of": "2020-05-01", "sources": ["syn"]})
            if r.random() < 0.3:
                add({"id": f"{m}-youth", "type": "Program", "name": f"{row.name}若者居場所事業（合成）", "serves": [m],
                     "domains": ["safe-place"], "age": "15-39", "sources": ["syn"]})
            if r.random() < 0.4:
                add({"id": f"{m}-ready", "type": "Program", "name": f"{row.name}就労準備支援事業（合成）", "serves": [m],
                     "domains": ["employment", "outreach"], "sources": ["syn"]})
        for number, served in hello.items():
            add({"id": f"{p}-hw-{number}", "type": "HelloWork", "name": f"ハローワーク{pref_name}{number}（合成）", "serves": served,
                 "member_of": sorted(platforms_of_hw.get(number, ())), "domains": ["employment"], "sources": ["syn"]})
        for number, served in saposute.items():
            add({"id": f"{p}-sap-{number}", "type": "YouthSupportStation", "name": f"サポステ{pref_name}{number}（合成）",
                 "serves": served, "domains": ["employment"], "age": "15-49", "sources": ["syn"]})
        path = directory / "curated" / f"synthetic-{pref_code}.yaml"
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f"# SYNTHETIC: made-up data for measurement only ({pref_name}, scale {scale}x, seed {seed})\n")
            yaml.dump({"sources": _SOURCE, "records": [_clean(x) for x in records]}, handle, Dumper=_DUMPER, allow_unicode=True,
                           sort_keys=False, width=1000)
        paths.append(path)
        records_total += len(records)
    counts = {"csv_rows": len(rows), "municipalities": len(listing.municipalities), "yaml_files": len(paths),
              "records": records_total}
    return csv_path, paths, counts


def _members(add, r, prefix, place):
    """A secretariat and 4-22 members of a platform, some running a program; returns their ids, secretariat first."""
    ids = [f"{prefix}-secretariat"]
    add({"id": ids[0], "type": "MunicipalDepartment", "name": f"{place}事務局（合成）", "sources": ["syn"]})
    for i in range(r.randint(5, 25) - 3):
        kind = r.choice(_MEMBER_KINDS)
        record = {"id": f"{prefix}-member-{i}", "type": kind, "name": f"{place}{kind}{i}（合成）", "sources": ["syn"]}
        if kind in ("NPO", "Organisation", "FamilyAssociation"):
            domains = r.sample(_DOMAINS, r.randint(0, 2))
            if domains:
                record["domains"] = sorted(domains)
        age = r.choice(_AGES)
        if age:
            record["age"] = age
        add(record)
        ids.append(record["id"])
        if r.random() < 0.3:
            program = {"id": f"{record['id']}-program", "type": "Program", "name": f"{place}の事業{i}（合成）",
                       "run_by": [record["id"]], "domains": sorted(r.sample(_DOMAINS, r.randint(1, 3))), "sources": ["syn"]}
            age = r.choice([None, "15-39", "40-64", "0-"])
            if age:
                program["age"] = age
            add(program)
    return ids


def _clean(record):
    return {k: v for k, v in record.items() if v not in (None, [], "")}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20201027)
    parser.add_argument("--municipalities", default=str(DEFAULT_MUNICIPALITIES))
    args = parser.parse_args()
    csv_path, paths, counts = write_inputs(args.directory, args.scale, args.seed, args.municipalities)
    print(f"wrote {csv_path} and {len(paths)} YAML files in {Path(args.directory) / 'curated'}: {counts}")


if __name__ == "__main__":
    main()
