"""metareview import and dedup on a project: all or nothing, never deleting."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metareview.cli import app

runner = CliRunner()

RIS_A = """TY  - JOUR
TI  - Mental contrasting increases help-seeking intentions in depression
AU  - Smith, John
PY  - 2019
JO  - Journal of Affective Disorders
VL  - 245
SP  - 100
EP  - 108
DO  - 10.1016/j.jad.2019.01.001
ER  -

TY  - JOUR
TI  - Telephone care management for depressive symptoms: a randomized trial
AU  - Jones, Anna
PY  - 2020
JO  - BMC Psychiatry
VL  - 20
SP  - 55
DO  - 10.1186/s12888-020-0001-1
ER  -
"""

RIS_B = """TY  - JOUR
TI  - Mental contrasting increases help-seeking intentions in depression.
AU  - Smith, J.
PY  - 2019
JO  - J Affect Disord
VL  - 245
SP  - 100
EP  - 8
DO  - https://doi.org/10.1016/J.JAD.2019.01.001
ER  -
"""


def _project(tmp_path: Path) -> Path:
    folder = tmp_path / "review"
    assert runner.invoke(app, ["init", str(folder)]).exit_code == 0
    return folder


def _count(folder: Path, sql: str) -> int:
    with sqlite3.connect(folder / "review.db") as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_import_then_dedup_links_the_duplicate(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    a, b = tmp_path / "medline.ris", tmp_path / "embase.ris"
    a.write_text(RIS_A, encoding="utf-8")
    b.write_text(RIS_B, encoding="utf-8")
    result = runner.invoke(app, ["import", str(folder), str(a), str(b)])
    assert result.exit_code == 0, result.output
    assert "3 records imported" in result.output
    assert (folder / "searches" / "medline.ris").read_text(encoding="utf-8") == RIS_A
    result = runner.invoke(app, ["dedup", str(folder), "--review"])
    assert result.exit_code == 0, result.output
    assert "3 records, 2 unique" in result.output
    assert _count(folder, "SELECT count(*) FROM records") == 3  # nothing deleted
    assert _count(folder, "SELECT count(*) FROM current_duplicates") == 1
    # running it again adds no second link
    runner.invoke(app, ["dedup", str(folder)])
    assert _count(folder, "SELECT count(*) FROM duplicate_links") == 1


def test_dedup_of_a_project_without_duplicates(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    a = tmp_path / "medline.ris"
    a.write_text(RIS_A, encoding="utf-8")
    assert runner.invoke(app, ["import", str(folder), str(a)]).exit_code == 0
    result = runner.invoke(app, ["dedup", str(folder)])
    assert result.exit_code == 0, result.output
    assert "2 records, 2 unique" in result.output
    assert _count(folder, "SELECT count(*) FROM duplicate_links") == 0


def test_reimport_is_refused_unless_forced(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    a = tmp_path / "medline.ris"
    a.write_text(RIS_A, encoding="utf-8")
    assert runner.invoke(app, ["import", str(folder), str(a)]).exit_code == 0
    again = runner.invoke(app, ["import", str(folder), str(a)])
    assert again.exit_code == 1
    assert "imported before" in again.output
    forced = runner.invoke(app, ["import", str(folder), str(a), "--force"])
    assert forced.exit_code == 0
    assert _count(folder, "SELECT count(*) FROM records") == 4


def test_malformed_file_imports_nothing(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    good, bad = tmp_path / "good.ris", tmp_path / "bad.ris"
    good.write_text(RIS_A, encoding="utf-8")
    bad.write_text("TY  - JOUR\nTI  - no end of record\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(folder), str(good), str(bad)])
    assert result.exit_code == 1
    assert "bad.ris" in result.output
    assert _count(folder, "SELECT count(*) FROM records") == 0
    assert not (folder / "searches" / "good.ris").exists()


def test_import_needs_a_project(tmp_path: Path) -> None:
    a = tmp_path / "a.ris"
    a.write_text(RIS_A, encoding="utf-8")
    result = runner.invoke(app, ["import", str(tmp_path / "nowhere"), str(a)])
    assert result.exit_code == 1
    assert "metareview init" in result.output


def test_export_unique_records_to_ris_csv_and_xlsx(tmp_path: Path) -> None:
    import pandas as pd

    from metareview.review.io import read_records

    folder = _project(tmp_path)
    a, b = tmp_path / "medline.ris", tmp_path / "embase.ris"
    a.write_text(RIS_A, encoding="utf-8")
    b.write_text(RIS_B, encoding="utf-8")
    runner.invoke(app, ["import", str(folder), str(a), str(b)])
    runner.invoke(app, ["dedup", str(folder)])
    for suffix in ("ris", "csv", "xlsx"):
        out = tmp_path / f"unique.{suffix}"
        result = runner.invoke(app, ["export", str(folder), str(out)])
        assert result.exit_code == 0, result.output
        assert "2 records written" in result.output
    again = read_records(tmp_path / "unique.ris")
    assert len(again) == 2
    assert "Telephone care management" in " ".join(again["title"])
    assert len(pd.read_csv(tmp_path / "unique.csv")) == 2
    assert len(pd.read_excel(tmp_path / "unique.xlsx")) == 2
    everything = runner.invoke(
        app, ["export", str(folder), str(tmp_path / "all.csv"), "--all"]
    )
    assert "3 records written" in everything.output


def test_export_to_an_unknown_format(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    a = tmp_path / "medline.ris"
    a.write_text(RIS_A, encoding="utf-8")
    runner.invoke(app, ["import", str(folder), str(a)])
    result = runner.invoke(app, ["export", str(folder), str(tmp_path / "x.docx")])
    assert result.exit_code == 1
    assert "'docx'" in result.output


RIS_C = """TY  - JOUR
TI  - Mental contrasting increases help-seeking intentions in depressed adults
AU  - Smith, John
PY  - 2019
JO  - Journal of Affective Disorders
VL  - 245
ER  -
"""


def _imported(tmp_path: Path, *texts: str) -> Path:
    folder = _project(tmp_path)
    files = []
    for n, text in enumerate(texts):
        f = tmp_path / f"export{n}.ris"
        f.write_text(text, encoding="utf-8")
        files.append(str(f))
    assert runner.invoke(app, ["import", str(folder), *files]).exit_code == 0
    return folder


def test_a_person_splits_a_pair_and_the_decision_stands(tmp_path: Path) -> None:
    from metareview.review.intake import decide_pair, dedup_project

    folder = _imported(tmp_path, RIS_A, RIS_B)
    dedup_project(folder)
    assert _count(folder, "SELECT count(*) FROM current_duplicates"
                          " WHERE duplicate_of IS NOT NULL") == 1  # fmt: skip
    decide_pair(folder, 1, 3, same=False, reviewer="ann")
    dedup_project(folder)  # does not relink record 3
    assert _count(folder, "SELECT count(*) FROM current_duplicates"
                          " WHERE duplicate_of IS NOT NULL") == 0  # fmt: skip
    assert _count(folder, "SELECT count(*) FROM duplicate_links") == 2  # history kept
    decide_pair(folder, 1, 2, same=True, reviewer="ann")
    assert _count(folder, "SELECT duplicate_of FROM current_duplicates"
                          " WHERE record_id = 2") == 1  # fmt: skip


def test_review_asks_about_uncertain_pairs(tmp_path: Path) -> None:
    folder = _imported(tmp_path, RIS_A, RIS_C)
    result = runner.invoke(
        app, ["dedup", str(folder), "--review", "--reviewer", "ann"], input="d\n"
    )
    assert result.exit_code == 0, result.output
    assert "1 uncertain pairs" in result.output
    assert "depressed adults" in result.output
    split = (
        "SELECT count(*) FROM current_duplicates"
        " WHERE method = 'manual' AND duplicate_of IS NULL"
    )
    assert _count(folder, split) == 1


def test_decision_on_an_unknown_record(tmp_path: Path) -> None:
    import pytest

    from metareview import InputError
    from metareview.review.intake import decide_pair

    folder = _imported(tmp_path, RIS_A)
    with pytest.raises(InputError, match="no record with id 9"):
        decide_pair(folder, 1, 9, same=True, reviewer="ann")


# --- CSV column mapping (--columns / columns=) --------------------------------------

# A CSV whose title is in "Article Title" while "Title" holds a short title, and
# whose DOI is in a column no default name matches.
CSV_CUSTOM = (
    "Record,Title,Article Title,Publication Year,DOI Link,Authors\n"
    '1,Short A,"Mental contrasting increases help-seeking intentions",2019,'
    "https://doi.org/10.1016/J.JAD.2019.01.001,Smith J\n"
    '2,Short B,"Telephone care management: a randomized trial",2020,'
    "https://doi.org/10.1186/s12888-020-0001-1,Jones A\n"
)
COLUMNS = "title=Article Title,doi=DOI Link,year=Publication Year"


def _csv(tmp_path: Path, text: str = CSV_CUSTOM) -> Path:
    path = tmp_path / "wos-export.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _records(folder: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(folder / "review.db") as conn:
        return conn.execute(
            "SELECT title, doi, year FROM records ORDER BY id"
        ).fetchall()


EXPECTED_CUSTOM = [
    (
        "Mental contrasting increases help-seeking intentions",
        "10.1016/j.jad.2019.01.001",
        2019,
    ),
    (
        "Telephone care management: a randomized trial",
        "10.1186/s12888-020-0001-1",
        2020,
    ),
]


def test_cli_columns_maps_csv_columns(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    result = runner.invoke(
        app, ["import", str(folder), str(_csv(tmp_path)), "--columns", COLUMNS]
    )
    assert result.exit_code == 0, result.output
    assert "2 records imported" in result.output
    assert _records(folder) == EXPECTED_CUSTOM


def test_api_columns_maps_csv_columns(tmp_path: Path) -> None:
    from metareview.review.intake import import_files

    folder = _project(tmp_path)
    mapping = {"title": "Article Title", "doi": "DOI Link", "year": "Publication Year"}
    [summary] = import_files(folder, [_csv(tmp_path)], columns=mapping)
    assert (summary.records, summary.format) == (2, "csv")
    assert _records(folder) == EXPECTED_CUSTOM


def test_without_columns_the_default_title_column_is_used(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    runner.invoke(app, ["import", str(folder), str(_csv(tmp_path))])
    assert [t for t, _, _ in _records(folder)] == ["Short A", "Short B"]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ("titel=Article Title", "unknown field 'titel'"),
        ("title=Article Tittle", "title='Article Tittle' is not a column of"),
        ("title", "'title' is not 'field=column'"),
        ("title=Article Title,title=Title", "mapped twice"),
    ],
)
def test_cli_columns_errors_name_the_option(
    tmp_path: Path, columns: str, message: str
) -> None:
    folder = _project(tmp_path)
    result = runner.invoke(
        app, ["import", str(folder), str(_csv(tmp_path)), "--columns", columns]
    )
    assert result.exit_code == 1
    assert "--columns" in result.output
    assert message in result.output
    assert _count(folder, "SELECT count(*) FROM records") == 0
    assert not (folder / "searches" / "wos-export.csv").exists()


def test_columns_for_a_file_that_is_not_csv(tmp_path: Path) -> None:
    from metareview import InputError
    from metareview.review.intake import import_files

    folder = _project(tmp_path)
    ris = tmp_path / "medline.ris"
    ris.write_text(RIS_A, encoding="utf-8")
    result = runner.invoke(
        app,
        ["import", str(folder), str(_csv(tmp_path)), str(ris), "--columns", COLUMNS],
    )
    assert result.exit_code == 1
    assert "--columns" in result.output
    assert "CSV files only" in result.output
    assert "medline.ris is ris" in result.output
    with pytest.raises(InputError, match="CSV files only"):
        import_files(folder, [ris], columns={"title": "TI"})
    assert _count(folder, "SELECT count(*) FROM records") == 0


# --- each file is read once ---------------------------------------------------------


def test_each_file_is_read_once_and_the_kept_copy_is_what_was_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    import metareview.review.intake as intake

    folder = _project(tmp_path)
    a = tmp_path / "medline.ris"
    a.write_text(RIS_A, encoding="utf-8")
    reads: list[Path] = []
    read_bytes = Path.read_bytes

    def counting(self: Path) -> bytes:
        reads.append(self)
        return read_bytes(self)

    def no_rehash(path: str | Path) -> str:
        raise AssertionError(f"{path} hashed a second time")

    monkeypatch.setattr(Path, "read_bytes", counting)
    monkeypatch.setattr(intake, "file_sha256", no_rehash)
    monkeypatch.setattr(intake.shutil, "copy2", no_rehash)
    [summary] = intake.import_files(folder, [a])
    assert reads.count(a) == 1
    kept = (folder / summary.file).read_bytes()
    assert kept == RIS_A.encode("utf-8")
    sha = _count_sha(folder)
    assert sha == hashlib.sha256(RIS_A.encode("utf-8")).hexdigest()


def _count_sha(folder: Path) -> str:
    with sqlite3.connect(folder / "review.db") as conn:
        return str(conn.execute("SELECT sha256 FROM batches").fetchone()[0])


def test_two_files_with_one_name_are_both_kept(tmp_path: Path) -> None:
    from metareview.review.intake import import_files

    folder = _project(tmp_path)
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    a, b = tmp_path / "x" / "export.ris", tmp_path / "y" / "export.ris"
    a.write_text(RIS_A, encoding="utf-8")
    b.write_text(RIS_B, encoding="utf-8")
    first, second = import_files(folder, [a, b])
    assert first.file != second.file
    assert (folder / first.file).read_text(encoding="utf-8") == RIS_A
    assert (folder / second.file).read_text(encoding="utf-8") == RIS_B
