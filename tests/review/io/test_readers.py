"""Tests of read_records: every real export in ../shared/data, and each dialect."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pandas as pd
import pytest

from helpers import shared_data
from metareview._validate import ImportFormatError, InputError, MetareviewError
from metareview.review.io import COLUMNS, READERS, read_records
from metareview.review.io._common import clean_author, clean_doi
from metareview.review.io.csv import read_csv
from metareview.review.io.detect import decode, detect_format

# Expected record counts and formats. Counts come from SOURCES.md or the file name where
# they give one, and otherwise were counted independently (ER lines for RIS and WoS
# tagged, PMID lines for MEDLINE, @entries for BibTeX, <record>/<PubmedArticle> for XML,
# data rows for CSV and tab-delimited files).
REAL_FILES: dict[str, tuple[int, str]] = {
    "dedup-asysd/format_fixtures/mendeley_export.xml": (1233, "endnote_xml"),
    "dedup-asysd/format_fixtures/ris_export.txt": (69, "ris"),
    "dedup-asysd/format_fixtures/scopus.ris": (10, "ris"),
    "dedup-asysd/format_fixtures/wos_test.ris": (50, "ris"),
    "dedup-asysd/format_fixtures/zotero_export.bib": (1000, "bibtex"),
    "dedup-asysd/format_fixtures/zotero_export.csv": (1233, "csv"),
    "dedup-asysd/format_fixtures/zotero_export.ris": (1000, "ris"),
    "dedup-asysd/format_fixtures/zotero_export.xml": (1233, "endnote_xml"),
    "formats-asreview/_baseline.ris": (100, "ris"),
    "formats-asreview/baseline_tag-notes_labels.ris": (32, "ris"),
    "formats-asreview/baseline_zotero.ris": (100, "ris"),
    "formats-asreview/embase.csv": (6, "csv"),
    "formats-asreview/embase.ris": (6, "ris"),
    "formats-asreview/ovid_psycinfo.ris": (6, "ris"),
    "formats-asreview/ovid_zotero.ris": (6, "ris"),
    "formats-asreview/proquest.ris": (6, "ris"),
    "formats-asreview/pubmed.xml": (10, "pubmed_xml"),
    "formats-asreview/pubmed_endnote.txt": (6, "ris"),
    "formats-asreview/pubmed_zotero.ris": (6, "ris"),
    "formats-asreview/ris_issue_1099.txt": (7, "ris"),
    "formats-asreview/ris_issue_992.txt": (19, "ris"),
    "formats-asreview/scopus.ris": (6, "ris"),
    "formats-asreview/web_of_science.txt": (10, "ris"),
    "formats-citesource/1_WoS_testthat.ris": (219, "ris"),
    "formats-citesource/new_benchmark_data/benchmark_15.ris": (15, "ris"),
    "formats-citesource/new_benchmark_data/search1_166.ris": (166, "ris"),
    "formats-citesource/new_benchmark_data/search2_278.ris": (278, "ris"),
    "formats-citesource/new_benchmark_data/search3_302.ris": (302, "ris"),
    "formats-citesource/new_benchmark_data/search4_460.ris": (460, "ris"),
    "formats-citesource/new_benchmark_data/search5_495.ris": (495, "ris"),
    "formats-citesource/new_stage_data/Dimensions_246.ris": (246, "ris"),
    "formats-citesource/new_stage_data/econlit_3.ris": (3, "ris"),
    "formats-citesource/new_stage_data/envindex_100.ris": (100, "ris"),
    "formats-citesource/new_stage_data/final_24.ris": (24, "ris"),
    "formats-citesource/new_stage_data/lens_343.ris": (343, "ris"),
    "formats-citesource/new_stage_data/medline_84.ris": (84, "ris"),
    "formats-citesource/new_stage_data/screened_128.ris": (128, "ris"),
    "formats-citesource/new_stage_data/wos_278.ris": (278, "ris"),
    "formats-citesource/topic_data/20221207_gambling-harms_crimjust_41.ris": (
        41,
        "ris",
    ),
    "formats-citesource/topic_data/20221207_gambling-harms_lens_49.ris": (49, "ris"),
    "formats-citesource/topic_data/20221207_gambling-harms_psycinfo_124.ris": (
        124,
        "ris",
    ),
    "formats-citesource/topic_data/20221207_gambling-harms_pubmed_176.ris": (
        176,
        "ris",
    ),
    "formats-citesource/topic_data/20221207_gambling-harms_scopus_255.ris": (
        255,
        "ris",
    ),
    "formats-citesource/valid_data/WoS_79.ris": (79, "ris"),
    "formats-citesource/valid_data/benchmark.ris": (13, "ris"),
    "formats-citesource/valid_data/psycinfo_64.ris": (64, "ris"),
    "formats-citesource/valid_data/pubmed_46.ris": (46, "ris"),
    "formats-litsearchr/WoS_corecollection.txt": (163, "wos_tab"),
    "formats-litsearchr/WoS_corecollection_final_2.bib": (460, "bibtex"),
    "formats-litsearchr/WoS_medline.txt": (10, "wos_tab"),
    "formats-litsearchr/WoS_zoological.txt": (133, "wos_tab"),
    "formats-litsearchr/biosis.txt": (212, "wos_tab"),
    "formats-litsearchr/scopus.csv": (137, "csv"),
    "formats-litsearchr/scopus.ris": (92, "ris"),
    "formats-litsearchr/scopus_final.bib": (1115, "bibtex"),
    "formats-litsearchr/zoorec.txt": (134, "wos"),
    "formats-rispy/example_pubmed_medline.txt": (10, "medline"),
    "formats-rispy/example_utf_chars.ris": (1, "ris"),
    "formats-rispy/example_wos.txt": (2, "wos"),
}

#: Files where most records lack authors/years in the file itself: a synthetic label
#: file (titles only) and a Rayyan export from a bug report (13 AU lines, 3 records).
SPARSE = {
    "formats-asreview/baseline_tag-notes_labels.ris",
    "formats-asreview/ris_issue_992.txt",
}

_DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")


@pytest.mark.realdata
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_export_imports(name: str) -> None:
    expected, kind = REAL_FILES[name]
    frame = read_records(shared_data(*name.split("/")))
    assert len(frame) == expected
    assert frame.attrs["format"] == kind
    assert list(frame.columns) == list(COLUMNS)
    assert frame["position"].tolist() == list(range(expected))
    assert str(frame["year"].dtype) == "Int64"
    assert frame["title"].notna().mean() >= 0.95
    years = frame["year"].dropna()
    if name not in SPARSE:
        assert frame["year"].notna().mean() >= 0.95
        assert (frame["authors"].str.len() > 0).mean() >= 0.9
    if len(years):
        assert years.between(1900, 2030).mean() >= 0.99
        assert years.between(1700, 2030).all()  # mendeley_export.xml has an 1818 paper
    dois = frame["doi"].dropna()
    assert all(_DOI_SHAPE.match(d) and d == d.lower() for d in dois), dois.tolist()[:5]
    for authors in frame["authors"]:
        assert isinstance(authors, list)
        assert all(", " in a or " " not in a for a in authors)


@pytest.mark.realdata
def test_real_same_library_in_four_formats_agrees() -> None:
    folder = ("dedup-asysd", "format_fixtures")
    frames = [
        read_records(shared_data(*folder, name))
        for name in ("zotero_export.xml", "zotero_export.csv", "mendeley_export.xml")
    ]
    first = frames[0]
    for other in frames[1:]:
        assert other["doi"].notna().sum() == first["doi"].notna().sum()
        assert set(other["doi"].dropna()) == set(first["doi"].dropna())


@pytest.mark.realdata
def test_real_dialect_fields() -> None:
    ovid = read_records(shared_data("formats-asreview", "ovid_psycinfo.ris"))
    assert ovid.loc[0, "doi"] == "10.1002/cpp.2398"  # DO holds a dx.doi.org URL
    assert ovid.loc[0, "journal"] == "Clinical Psychology & Psychotherapy"  # JF
    assert ovid.loc[0, "year"] == 2019  # Y1  - 2019//
    assert pd.isna(ovid.loc[0, "pages"])  # SP  - No / EP  - Specified
    endnote = read_records(shared_data("formats-asreview", "pubmed_endnote.txt"))
    assert endnote.loc[0, "pmid"] == "21553931"  # AN with DP  - NLM
    embase = read_records(shared_data("formats-asreview", "embase.csv"))
    assert embase.loc[0, "journal"] == "Endoscopic Ultrasound"
    assert embase.loc[0, "pages"] == "152-160"
    assert embase.loc[0, "authors"] == ["Liu, R", "Adler, DG"]
    tab = read_records(shared_data("formats-litsearchr", "WoS_medline.txt"))
    assert tab.attrs["encoding"] == "utf-8-sig"  # BOM and bare CR line ends
    assert tab.loc[0, "pmid"] == "29782655"
    bib = read_records(shared_data("formats-litsearchr", "scopus_final.bib"))
    row = bib[bib["original_id"] == "Michelat2012101"].iloc[0]  # unbalanced brace
    assert row["authors"][1] == "Déforêt, T"
    assert row["year"] == 2012


# --- synthetic files --------------------------------------------------------------

RIS = (
    "TY  - JOUR\n"
    "T1  - Exercise for depression\n"
    "A1  - Smith, John A.\n"
    "A1  - Doe J.B.\n"
    "N2  - An abstract\n"
    "  that continues.\n"
    "JF  - Journal of Things\n"
    "Y1  - 2019/05/03/\n"
    "M3  - 10.1000/ABC.123\n"
    "KW  - exercise\n"
    "KW  - depression\n"
    "AN  - 12345678\n"
    "DB  - MEDLINE\n"
    "ER  - \n"
    "\n"
    "TY  - JOUR\n"
    "TI  - Second record\n"
    "AU  - Müller, Ä.\n"
    "T2  - Other Journal\n"
    "PY  - 2020\n"
    "UR  - https://doi.org/10.1000/XYZ\n"
    "SP  - 10\n"
    "EP  - 19\n"
    "ER  -\n"
)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


def test_ris_dialect_tags(tmp_path: Path) -> None:
    frame = read_records(write(tmp_path, "a.ris", RIS))
    first, second = frame.iloc[0], frame.iloc[1]
    assert first["title"] == "Exercise for depression"  # T1
    assert first["abstract"] == "An abstract that continues."  # N2 + continuation
    assert first["authors"] == ["Smith, JA", "Doe, JB"]  # A1
    assert first["journal"] == "Journal of Things"  # JF
    assert first["year"] == 2019  # Y1 with slashes
    assert first["doi"] == "10.1000/abc.123"  # M3
    assert first["pmid"] == "12345678"  # AN from a MEDLINE database
    assert first["keywords"] == ["exercise", "depression"]
    assert second["title"] == "Second record"
    assert second["journal"] == "Other Journal"  # T2
    assert second["doi"] == "10.1000/xyz"  # UR doi.org link
    assert second["pages"] == "10-19"
    assert second["authors"] == ["Müller, Ä"]
    assert frame.attrs == {
        "format": "ris",
        "encoding": "utf-8",
        "path": str(tmp_path / "a.ris"),
    }


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
        ("cp1252", b"", "cp1252"),
    ],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_encodings_and_line_ends(
    tmp_path: Path, encoding: str, bom: bytes, expected: str, newline: str
) -> None:
    content = bom + RIS.replace("\n", newline).encode(encoding)
    frame = read_records(write(tmp_path, "a.txt", content))
    assert frame.attrs["encoding"] == expected
    assert frame.loc[1, "authors"] == ["Müller, Ä"]
    assert frame.loc[0, "abstract"] == "An abstract that continues."
    assert len(frame) == 2


def test_decode_strips_bom_and_normalises_line_ends() -> None:
    assert decode(codecs.BOM_UTF8 + b"a\r\nb\rc\n") == ("a\nb\nc\n", "utf-8-sig")
    assert decode("é".encode("cp1252")) == ("é", "cp1252")


MEDLINE = (
    "PMID- 30922926\n"
    "TI  - Time lapse: A glimpse into\n"
    "      prehistoric genomics.\n"
    "AB  - Abstract text.\n"
    "FAU - Griffin, Darren K\n"
    "AU  - Griffin DK\n"
    "FAU - O'Connor, Rebecca E\n"
    "AU  - O'Connor RE\n"
    "DP  - 2020 Feb\n"
    "JT  - European journal of medical genetics\n"
    "VI  - 63\n"
    "IP  - 2\n"
    "PG  - 103640\n"
    "LID - 10.1016/j.ejmg.2019.03.004 [doi]\n"
    "OT  - Chromosome\n"
    "\n"
    "PMID- 1\n"
    "TI  - Second.\n"
    "AU  - Smith JA\n"
    "DP  - 1999\n"
)

WOS = (
    "FN Clarivate Analytics Web of Science\n"
    "VR 1.0\n"
    "PT J\n"
    "AU Parkes-Loach, PS\n"
    "   Majeed, AP\n"
    "TI Interactions stabilizing the structure\n"
    "   of the core complex\n"
    "SO BIOCHEMISTRY\n"
    "DE fire; woodpecker\n"
    "PY 2004\n"
    "BP 7003\n"
    "EP 7016\n"
    "DI 10.1021/bi049798f\n"
    "PM 15170338\n"
    "UT WOS:000221807500019\n"
    "ER\n"
    "\n"
    "EF\n"
)

WOS_TAB = (
    "PT\tAU\tTI\tSO\tPY\tDI\tUT\n"
    "J\tTingley, Morgan W; Stillman, Andrew N\tCross-scale occupancy\tJ Anim Ecol\t2018"
    "\t10.1111/1365-2656.12851\tMEDLINE:29782655\n"
)

BIBTEX = r"""@article{key1,
  author = {M{\"u}ller, J{\"o}rg and Garc{\'\i}a, Ana},
  title = {{Fire} and woodpeckers},
  journal = {Ecology},
  year = {2019},
  pages = {1--10},
  doi = {https://doi.org/10.1000/ECO.1},
  keywords = {fire; birds}
}

@comment{not a record}

@book{key2,
  author = {Smith, A.},
  title = {A book},
  year = 2001
}
"""

PUBMED_XML = """<?xml version="1.0"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>31690499</PMID>
<Article><Journal><JournalIssue><Volume>5</Volume><Issue>2</Issue>
<PubDate><Year>2019</Year></PubDate></JournalIssue><Title>J Test</Title></Journal>
<ArticleTitle>A <i>trial</i> title</ArticleTitle>
<Pagination><MedlinePgn>1-9</MedlinePgn></Pagination>
<ELocationID EIdType="doi">10.1000/ABC</ELocationID>
<Abstract><AbstractText Label="A">One.</AbstractText><AbstractText>Two.</AbstractText>
</Abstract><AuthorList><Author><LastName>Smith</LastName><Initials>JA</Initials></Author>
</AuthorList></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""

ENDNOTE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<xml><records><record><rec-number>7</rec-number>
<contributors><authors><author><style face="normal">Rotter, Carina</style></author>
</authors></contributors>
<titles><title><style face="normal">Myoclonus in spaniels</style></title>
<secondary-title>J Vet</secondary-title></titles>
<dates><year>2022</year></dates><electronic-resource-num>10.1111/JVIM.16404</electronic-resource-num>
<accession-num>35319117</accession-num><keywords><keyword>Dogs</keyword></keywords>
</record></records></xml>
"""

CSV = (
    '"Authors","Title","Year","Source title","Volume","Page start","Page end",'
    '"DOI","EID"\n'
    '"Craig C., Villard M.-A.","Predictors, of habitat",2019,"Forest Ecol","438","134",'
    '"141","https://doi.org/10.1016/J.FORECO.2019.02.016","2-s2.0-1"\n'
)


def test_medline(tmp_path: Path) -> None:
    frame = read_records(write(tmp_path, "pubmed.nbib", MEDLINE))
    assert frame.attrs["format"] == "medline"
    assert len(frame) == 2
    row = frame.iloc[0]
    assert row["title"] == "Time lapse: A glimpse into prehistoric genomics."
    assert row["authors"] == ["Griffin, DK", "O'Connor, RE"]
    assert (row["year"], row["doi"], row["pmid"]) == (
        2020,
        "10.1016/j.ejmg.2019.03.004",
        "30922926",
    )
    assert (row["volume"], row["issue"], row["pages"]) == ("63", "2", "103640")
    assert frame.loc[1, "authors"] == ["Smith, JA"]


def test_wos_tagged_and_tab(tmp_path: Path) -> None:
    tagged = read_records(write(tmp_path, "savedrecs.txt", WOS))
    assert tagged.attrs["format"] == "wos"
    row = tagged.iloc[0]
    assert row["authors"] == ["Parkes-Loach, PS", "Majeed, AP"]
    assert row["title"] == "Interactions stabilizing the structure of the core complex"
    assert (row["pages"], row["pmid"], row["doi"]) == (
        "7003-7016",
        "15170338",
        "10.1021/bi049798f",
    )
    assert row["keywords"] == ["fire", "woodpecker"]
    tab = read_records(
        write(tmp_path, "savedrecs2.txt", "\ufeff" + WOS_TAB.replace("\n", "\r"))
    )
    assert tab.attrs["format"] == "wos_tab"
    assert tab.loc[0, "authors"] == ["Tingley, MW", "Stillman, AN"]
    assert tab.loc[0, "pmid"] == "29782655"


def test_bibtex_latex_to_unicode(tmp_path: Path) -> None:
    frame = read_records(write(tmp_path, "refs.bib", BIBTEX))
    assert len(frame) == 2
    row = frame.iloc[0]
    assert row["authors"] == ["Müller, J", "García, A"]
    assert row["title"] == "Fire and woodpeckers"
    assert (row["pages"], row["doi"], row["year"]) == ("1-10", "10.1000/eco.1", 2019)
    assert row["keywords"] == ["fire", "birds"]
    assert frame.loc[1, "year"] == 2001


def test_xml_formats(tmp_path: Path) -> None:
    pubmed = read_records(write(tmp_path, "a.xml", PUBMED_XML))
    assert pubmed.attrs["format"] == "pubmed_xml"
    row = pubmed.iloc[0]
    assert (row["title"], row["abstract"]) == ("A trial title", "One. Two.")
    assert (row["doi"], row["pmid"], row["year"]) == ("10.1000/abc", "31690499", 2019)
    assert row["authors"] == ["Smith, JA"]
    endnote = read_records(write(tmp_path, "b.xml", ENDNOTE_XML))
    assert endnote.attrs["format"] == "endnote_xml"
    row = endnote.iloc[0]
    assert (row["title"], row["journal"], row["doi"]) == (
        "Myoclonus in spaniels",
        "J Vet",
        "10.1111/jvim.16404",
    )
    assert (row["pmid"], row["authors"]) == ("35319117", ["Rotter, C"])


def test_csv_and_column_mapping(tmp_path: Path) -> None:
    frame = read_records(write(tmp_path, "scopus.csv", CSV))
    row = frame.iloc[0]
    assert row["authors"] == ["Craig, C", "Villard, MA"]
    assert (row["title"], row["pages"], row["doi"]) == (
        "Predictors, of habitat",
        "134-141",
        "10.1016/j.foreco.2019.02.016",
    )
    assert row["original_id"] == "2-s2.0-1"
    custom = "Naam,Jaar,Kop\nJansen J.,2001,Een titel\n"
    records = read_csv(
        custom, "x.csv", {"title": ["kop"], "year": ["jaar"], "authors": ["naam"]}
    )
    assert records[0]["title"] == "Een titel"
    assert records[0]["year"] == 2001
    assert records[0]["authors"] == ["Jansen, J"]


@pytest.mark.parametrize(
    ("text", "suffix", "expected"),
    [
        (RIS, ".txt", "ris"),
        (MEDLINE, ".txt", "medline"),
        (WOS, ".txt", "wos"),
        (WOS_TAB, ".txt", "wos_tab"),
        (BIBTEX, ".txt", "bibtex"),
        (PUBMED_XML, ".txt", "pubmed_xml"),
        (ENDNOTE_XML, ".xml", "endnote_xml"),
        (CSV, ".csv", "csv"),
        ("nothing to see", ".txt", None),
    ],
)
def test_detect_format_from_content(
    text: str, suffix: str, expected: str | None
) -> None:
    assert detect_format(text, suffix) == expected


@pytest.mark.parametrize(
    ("name", "content", "line", "reason"),
    [
        ("a.ris", "TY  - JOUR\nTI  - x\n\nTY  - JOUR\nTI  - y\nER  - \n", 4, "no ER"),
        ("b.ris", "TY  - JOUR\nTI  - x\n", 1, "no ER"),
        ("c.ris", "TY  - JOUR\nTI - x\nER  - \n", 2, "not of the form"),
        ("d.ris", "TI  - x\nTY  - JOUR\nER  - \n", 1, "outside a record"),
        ("e.ris", "ER  - \n", 1, "ER without"),
        ("f.xml", "<xml><records><record>\n<title>x</record>\n", 2, "not well-formed"),
        ("g.nbib", "PMID- 1\nTI  - x\nbroken line\n", 3, "not a MEDLINE"),
        ("h.txt", "FN x\nVR 1.0\nPT J\nTI x\n", 3, "no ER"),
        ("i.bib", "@article{k,\n  title = {x\n  year = 2001\n}\n", 2, "is not 'name"),
        ("j.csv", "title,year\na,2001\nb,2002,extra\n", 3, "header has 2"),
        ("k.txt", "hello\n", 1, "format not recognised"),
        ("l.ris", "", 1, "empty"),
    ],
)
def test_malformed_files_name_file_line_reason(
    tmp_path: Path, name: str, content: str, line: int, reason: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(ImportFormatError) as info:
        read_records(path)
    message = str(info.value)
    assert str(path) in message
    assert f"line {line}" in message
    assert reason in message
    assert isinstance(info.value, MetareviewError)


def test_unknown_format_argument(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="format must be one of"):
        read_records(write(tmp_path, "a.ris", RIS), format="marc")
    assert set(READERS) >= {"ris", "medline", "bibtex", "csv", "wos", "endnote_xml"}


def test_format_argument_overrides_detection(tmp_path: Path) -> None:
    frame = read_records(write(tmp_path, "a.dat", RIS), format="ris")
    assert len(frame) == 2


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Smith, John A.", "Smith, JA"),
        ("Smith, J.A.", "Smith, JA"),
        ("Smith JA", "Smith, JA"),
        ("Liu R.", "Liu, R"),
        ("Villard M.-A.", "Villard, MA"),
        ("John Smith", "Smith, J"),
        ("van der Berg, Anna-Maria", "van der Berg, AM"),
        ("WHO", "WHO"),
    ],
)
def test_clean_author(raw: str, expected: str) -> None:
    assert clean_author(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://doi.org/10.1000/ABC", "10.1000/abc"),
        ("http://dx.doi.org/10.1002/cpp.2398", "10.1002/cpp.2398"),
        ("doi:10.1000/x.", "10.1000/x"),
        ("id=doi:10.4103%2F2303-9027&atitle=x", "10.4103/2303-9027"),
        ("no doi here", None),
    ],
)
def test_clean_doi(raw: str, expected: str | None) -> None:
    assert clean_doi(raw) == expected
