"""Exports that have no real file in ../shared/data, written here by hand.

Each fixture is a few records laid out as the vendor's documented export is (tags,
their order, spacing, the extra header lines), with made-up bibliographic content.
Expected values are read off the fixture by eye and written out in the test.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest

from helpers import shared_data
from metareview._validate import ImportFormatError, MetareviewError
from metareview.review.io import read_records
from metareview.review.io.detect import detect_format

# --- EBSCOhost (CINAHL, APA PsycInfo, MEDLINE) RIS ---------------------------------
# CINAHL-style record: T1, JO and JF, Y1 with slashes, M3 the document type, two AB
# (the abstract, then the publisher's copyright paragraph), the accession number only
# in N1 and UR, the DOI in L3, the database as a code in DB. The PsycInfo-style
# record has ID/AN, N2 and DO; the MEDLINE one an all-digit AN (the PMID).
EBSCO = """\
TY  - JOUR
AU  - Pedersen, Mette L.
AU  - Holm, Anders
T1  - Nurse-led telephone follow-up for adults with depressive symptoms: a randomised trial.
JO  - Journal of Advanced Nursing
JF  - Journal of Advanced Nursing
Y1  - 2021/03/15/
VL  - 77
IS  - 3
M3  - Article
SP  - 1402
EP  - 1413
PB  - Wiley-Blackwell
SN  - 03092402
AB  - Aim: to test whether nurse-led telephone follow-up increases help-seeking. [ABSTRACT FROM AUTHOR]
AB  - Copyright of Journal of Advanced Nursing is the property of Wiley-Blackwell and its content may not be copied or emailed to multiple sites without the copyright holder's express written permission. (Copyright applies to all Abstracts.)
KW  - DEPRESSION
KW  - HELP-seeking behavior
N1  - Accession Number: 148812345; Pedersen, Mette L. 1; Source Info: Mar2021, Vol. 77 Issue 3, p1402; Document Type: Article
L3  - 10.1111/jan.14712
UR  - https://search.ebscohost.com/login.aspx?direct=true&db=rzh&AN=148812345&site=ehost-live
DP  - EBSCOhost
DB  - rzh
ER  - 

TY  - JOUR
ID  - 2019-41234-001
AN  - 2019-41234-001
AU  - Nguyen, Thi Thu
T1  - Stigma and help-seeking intentions in university students
JF  - Journal of Counseling Psychology
JO  - Journal of Counseling Psychology
Y1  - 2019/07//
VL  - 66
IS  - 4
SP  - 433
EP  - 445
N2  - Students with depressive symptoms rarely seek help.
KW  - Stigma
KW  - Help Seeking Behavior
DO  - 10.1037/cou0000345
UR  - https://search.ebscohost.com/login.aspx?direct=true&db=psyh&AN=2019-41234-001&site=ehost-live
DP  - EBSCOhost
DB  - psyh
ER  - 

TY  - JOUR
AN  - 30612345
AU  - Okafor, Chidi
T1  - Depression follow-up monitoring in primary care.
JO  - BMC Psychiatry
Y1  - 2019/01/07/
VL  - 19
SP  - 12
DO  - 10.1186/s12888-019-0001-2
UR  - https://search.ebscohost.com/login.aspx?direct=true&db=cmedm&AN=30612345&site=ehost-live
DP  - EBSCOhost
DB  - cmedm
ER  - 
"""  # noqa: E501, W291


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_ebsco_ris(tmp_path: Path) -> None:
    frame = read_records(write(tmp_path, "cinahl.ris", EBSCO))
    assert frame.attrs["format"] == "ris"
    assert len(frame) == 3
    cinahl, psycinfo, medline = (frame.iloc[i] for i in range(3))
    assert cinahl["title"] == (
        "Nurse-led telephone follow-up for adults with depressive symptoms: "
        "a randomised trial."
    )
    assert cinahl["authors"] == ["Pedersen, ML", "Holm, A"]
    assert cinahl["journal"] == "Journal of Advanced Nursing"  # JF
    assert (cinahl["year"], cinahl["volume"], cinahl["issue"]) == (2021, "77", "3")
    assert cinahl["pages"] == "1402-1413"
    # the first AB, not the copyright paragraph of the second
    assert cinahl["abstract"] == (
        "Aim: to test whether nurse-led telephone follow-up increases help-seeking."
        " [ABSTRACT FROM AUTHOR]"
    )
    assert cinahl["doi"] == "10.1111/jan.14712"  # L3
    assert cinahl["original_id"] == "148812345"  # AN= in UR
    assert cinahl["source_database"] == "CINAHL Plus with Full Text"  # DB  - rzh
    assert cinahl["keywords"] == ["DEPRESSION", "HELP-seeking behavior"]
    assert pd.isna(cinahl["pmid"])
    assert psycinfo["abstract"] == "Students with depressive symptoms rarely seek help."
    assert (psycinfo["doi"], psycinfo["year"]) == ("10.1037/cou0000345", 2019)
    assert psycinfo["original_id"] == "2019-41234-001"
    assert psycinfo["source_database"] == "APA PsycInfo"
    assert psycinfo["authors"] == ["Nguyen, TT"]
    assert medline["source_database"] == "MEDLINE"  # DB  - cmedm
    assert medline["pmid"] == "30612345"  # the AN of a MEDLINE record
    assert medline["journal"] == "BMC Psychiatry"  # JO only


def test_ebsco_accession_number_from_the_note(tmp_path: Path) -> None:
    record = EBSCO.split("ER  - \n")[0].replace(
        "UR  - https://search.ebscohost.com/login.aspx?direct=true&db=rzh"
        "&AN=148812345&site=ehost-live\n",
        "",
    )
    frame = read_records(write(tmp_path, "a.ris", record + "ER  - \n"))
    assert frame.loc[0, "original_id"] == "148812345"  # N1  - Accession Number: ...


# --- Lens.org RIS --------------------------------------------------------------------
# Tags in alphabetical order; ID is the Lens ID, DA the full date, JF the journal, L2
# the links (one of them to PubMed), UR the lens.org page.
LENS = """\
TY  - JOUR
AB  - We pooled trials of interventions that encourage people with depressive symptoms to seek professional help.
AU  - Ni, Wei
AU  - Zhang, Li-Na
CY  - United Kingdom
DA  - 2025/07/24
DO  - 10.1186/s12888-025-07001-3
ID  - 012-345-678-901-23X
IS  - 1
JF  - BMC Psychiatry
KW  - help-seeking
KW  - depression
L2  - https://pubmed.ncbi.nlm.nih.gov/40701234/
L2  - https://bmcpsychiatry.biomedcentral.com/articles/10.1186/s12888-025-07001-3
PB  - Springer Science and Business Media LLC
PY  - 2025
SN  - 1471244x
SP  - 528
TI  - Interventions to improve mental help-seeking behaviours in individuals with depressive symptoms: a systematic review and meta-analysis.
UR  - https://lens.org/012-345-678-901-23X
VL  - 25
ER  - 
TY  - JOUR
AU  - Brown, Peter
DA  - 2018/11/02
ID  - 098-765-432-109-87X
JF  - Psychological Medicine
PY  - 2018
SP  - 2101
EP  - 2110
TI  - Help-seeking after a depression screening letter
UR  - https://lens.org/098-765-432-109-87X
VL  - 48
ER  - 
"""  # noqa: E501, W291


def test_lens_ris(tmp_path: Path) -> None:
    frame = read_records(write(tmp_path, "lens.ris", LENS))
    assert len(frame) == 2
    row = frame.iloc[0]
    assert row["title"].startswith("Interventions to improve mental help-seeking")
    assert row["authors"] == ["Ni, W", "Zhang, LN"]
    assert (row["journal"], row["year"], row["volume"], row["issue"]) == (
        "BMC Psychiatry",
        2025,
        "25",
        "1",
    )
    assert (row["pages"], row["doi"]) == ("528", "10.1186/s12888-025-07001-3")
    assert row["pmid"] == "40701234"  # from the PubMed link in L2
    assert row["original_id"] == "012-345-678-901-23X"  # the Lens ID
    assert row["keywords"] == ["help-seeking", "depression"]
    second = frame.iloc[1]
    assert (second["pages"], second["year"]) == ("2101-2110", 2018)
    assert pd.isna(second["doi"])  # the lens.org link holds no DOI


# --- Cochrane Library (CENTRAL) ------------------------------------------------------
# The RIS export: a "Record #k of N" header before each record, "XX  -  value" with
# two spaces after the dash, the CENTRAL accession number in AN, PubMed and Embase
# cross-references in C3, pages with U+2010 hyphens, the CENTRAL record's URL in UR.
# Its RefMan flavour writes A1/T1/N2 where the EndNote flavour writes AU/TI/AB.
COCHRANE_RIS = """\
Record #1 of 2
Provider: John Wiley & Sons, Ltd.
Content: text/plain; charset="UTF-8"

TY  -  JOUR
AN  -  CN-01912345
AU  -  Smith, J
AU  -  Jones, AB
TI  -  Mental contrasting with implementation intentions and help-seeking intentions: a randomized trial
JA  -  Journal of affective disorders
PY  -  2019
VL  -  245
SP  -  100\u2010108
C3  -  PUBMED 30612399,EMBASE 625123456
M3  -  Journal article
KW  -  *Help-Seeking Behavior
KW  -  Depression [psychology]
DO  -  10.1016/j.jad.2019.01.001
AB  -  BACKGROUND: Few people with depressive symptoms seek help.
UR  -  https://www.cochranelibrary.com/central/doi/10.1002/central/CN-01912345/full
ER  -  


Record #2 of 2
Provider: John Wiley & Sons, Ltd.
Content: text/plain; charset="UTF-8"

TY  -  JOUR
AN  -  CN-02000001
AU  -  Lee, K
TI  -  Telephone care management for depression
JA  -  Trials
PY  -  2020
VL  -  21
IS  -  1
C3  -  PUBMED 31234567,EMBASE 630000001
M3  -  Journal article
UR  -  https://www.cochranelibrary.com/central/doi/10.1002/central/CN-02000001/full
ER  -  

"""  # noqa: E501, W291

COCHRANE_REFMAN = (
    COCHRANE_RIS.replace("AU  -  ", "A1  -  ")
    .replace("TI  -  ", "T1  -  ")
    .replace("AB  -  ", "N2  -  ")
)


@pytest.mark.parametrize("content", [COCHRANE_RIS, COCHRANE_REFMAN])
def test_cochrane_ris(tmp_path: Path, content: str) -> None:
    frame = read_records(write(tmp_path, "citation-export.ris", content))
    assert frame.attrs["format"] == "ris"
    assert len(frame) == 2
    row = frame.iloc[0]
    assert row["title"] == (
        "Mental contrasting with implementation intentions and help-seeking "
        "intentions: a randomized trial"
    )
    assert row["authors"] == ["Smith, J", "Jones, AB"]
    assert (row["journal"], row["year"], row["volume"]) == (
        "Journal of affective disorders",
        2019,
        "245",
    )
    assert row["pages"] == "100-108"  # U+2010 hyphen made a hyphen-minus
    assert row["doi"] == "10.1016/j.jad.2019.01.001"
    assert row["pmid"] == "30612399"  # C3  -  PUBMED 30612399,EMBASE ...
    assert (
        row["abstract"] == "BACKGROUND: Few people with depressive symptoms seek help."
    )
    assert (row["original_id"], row["source_database"]) == (
        "CN-01912345",
        "Cochrane CENTRAL",
    )
    second = frame.iloc[1]
    # The CENTRAL record's own DOI (10.1002/central/CN-...) is not the article's.
    assert pd.isna(second["doi"])
    assert (second["volume"], second["issue"], second["year"]) == ("21", "1", 2020)


# The plain-text export: "Record #k of N", then one "TAG: value" line per field.
COCHRANE_TXT = """\
Record #1 of 3
ID: CN-01912345
AU: Smith J
AU: Jones AB
TI: Mental contrasting with implementation intentions and help-seeking intentions: a randomized trial
SO: Journal of affective disorders
YR: 2019
VL: 245
NO: 2
PG: 100\u2010108
PM: PUBMED 30612399
XR: EMBASE 625123456
PT: Journal article; Randomized Controlled Trial
KY: Depression [psychology]; Help-Seeking Behavior; Humans
DOI: 10.1016/j.jad.2019.01.001
AB: BACKGROUND: Few people with depressive symptoms seek help. METHODS: We randomised 120 students.
US: https://www.cochranelibrary.com/central/doi/10.1002/central/CN-01912345/full

Record #2 of 3
ID: CN-02000001
AU: Lee K
TI: Telephone care management for depression
SO: Trials
YR: 2020
VL: 21
NO: 1
PG: 55
XR: PUBMED 31234567; EMBASE 630000001
PT: Journal article
US: https://www.cochranelibrary.com/central/doi/10.1002/central/CN-02000001/full

Record #3 of 3
ID: CN-02100002
AU: García-López M
TI: Positive emotion infusion and attitudes towards help-seeking
SO: NCT04000000
YR: 2021
PT: Trial registry record
US: https://www.cochranelibrary.com/central/doi/10.1002/central/CN-02100002/full
"""  # noqa: E501


def test_cochrane_plain_text(tmp_path: Path) -> None:
    path = write(tmp_path, "citation-export.txt", COCHRANE_TXT)
    assert detect_format(COCHRANE_TXT, ".txt") == "cochrane"
    frame = read_records(path)
    assert frame.attrs["format"] == "cochrane"
    assert len(frame) == 3
    row = frame.iloc[0]
    assert row["title"] == (
        "Mental contrasting with implementation intentions and help-seeking "
        "intentions: a randomized trial"
    )
    assert row["authors"] == ["Smith, J", "Jones, AB"]
    assert (row["journal"], row["year"], row["volume"], row["issue"]) == (
        "Journal of affective disorders",
        2019,
        "245",
        "2",
    )
    assert row["pages"] == "100-108"
    assert (row["doi"], row["pmid"]) == ("10.1016/j.jad.2019.01.001", "30612399")
    assert row["keywords"] == [
        "Depression [psychology]",
        "Help-Seeking Behavior",
        "Humans",
    ]
    assert row["abstract"] == (
        "BACKGROUND: Few people with depressive symptoms seek help. "
        "METHODS: We randomised 120 students."
    )
    assert (row["original_id"], row["source_database"]) == (
        "CN-01912345",
        "Cochrane CENTRAL",
    )
    second = frame.iloc[1]
    assert second["pmid"] == "31234567"  # from XR
    assert pd.isna(second["doi"])  # only the CENTRAL record's URL
    assert second["authors"] == ["Lee, K"]
    third = frame.iloc[2]
    assert third["authors"] == ["García-López, M"]
    assert (third["journal"], third["year"]) == ("NCT04000000", 2021)
    assert pd.isna(third["abstract"])


def test_cochrane_plain_text_and_ris_agree(tmp_path: Path) -> None:
    text = read_records(write(tmp_path, "a.txt", COCHRANE_TXT)).iloc[:2]
    ris = read_records(write(tmp_path, "b.ris", COCHRANE_RIS))
    for column in ("title", "authors", "year", "doi", "pmid", "original_id"):
        assert text[column].tolist() == ris[column].tolist(), column


# --- encodings and line ends --------------------------------------------------------
# "é" and the en dash "–" are both in cp1252 (0xE9, 0x96) and outside ASCII.
RIS_ACCENTS = """\
TY  - JOUR
TI  - Café-based peer support – a pilot trial
AU  - Lefèvre, Élodie
PY  - 2022
JO  - Revue d'épidémiologie
SP  - 10
EP  - 19
AB  - An abstract
  that continues.
ER  - 

TY  - JOUR
TI  - Second – record
AU  - Müller, Jörg
PY  - 2020
ER  - 
"""  # noqa: W291

MEDLINE_ACCENTS = """\
PMID- 31000001
TI  - Café-based peer support – a pilot trial of help-seeking in
      young adults.
FAU - Lefèvre, Élodie
AU  - Lefèvre E
DP  - 2022 Mar
JT  - Revue d'épidémiologie
PG  - 10-19
LID - 10.1000/rev.2022.1 [doi]

PMID- 31000002
TI  - Second – record.
AU  - Müller J
DP  - 2020
"""

ENCODINGS = [
    ("utf-8", b"", "utf-8"),
    ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
    ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
    ("cp1252", b"", "cp1252"),
]


@pytest.mark.parametrize(
    ("name", "content", "title"),
    [
        ("a.ris", RIS_ACCENTS, "Café-based peer support – a pilot trial"),
        (
            "a.nbib",
            MEDLINE_ACCENTS,
            "Café-based peer support – a pilot trial of help-seeking in young adults.",
        ),
    ],
)
@pytest.mark.parametrize(("encoding", "bom", "detected"), ENCODINGS)
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_fields_identical_in_every_encoding_and_line_end(
    tmp_path: Path,
    name: str,
    content: str,
    title: str,
    encoding: str,
    bom: bytes,
    detected: str,
    newline: str,
) -> None:
    baseline = read_records(write(tmp_path, "base" + Path(name).suffix, content))
    data = bom + content.replace("\n", newline).encode(encoding)
    frame = read_records(write(tmp_path, name, data))
    assert frame.attrs["encoding"] == detected
    assert frame.loc[0, "title"] == title
    assert frame.loc[0, "authors"] == ["Lefèvre, É"]
    assert frame.loc[0, "journal"] == "Revue d'épidémiologie"
    assert frame.loc[1, "title"].startswith("Second – record")
    assert frame.loc[1, "authors"] == ["Müller, J"]
    pd.testing.assert_frame_equal(frame, baseline, check_like=False)


# --- malformed files ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "line", "reason"),
    [
        # RIS cut off inside its last record
        ("a.ris", "TY  - JOUR\nTI  - x\nER  - \n\nTY  - JOUR\nTI  - y\n", 5, "no ER"),
        # MEDLINE whose first line continues a tag that is not there
        ("b.nbib", "      title goes on\nPMID- 1\nTI  - x\n", 1, "continuation"),
        (
            "c.xml",
            '<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle>\n'
            "<MedlineCitation><PMID>1</PMID><Article><ArticleTitle>A tri",
            3,
            "not well-formed",
        ),
        (
            "d.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n<xml><records><record>\n'
            "<titles><title>Myoc",
            3,
            "not well-formed",
        ),
        ("e.csv", "Authors,Year,Source title\nSmith J,2001,J Test\n", 1, "no title"),
        ("f.txt", "Record #1 of 1\n    goes on\nID: CN-1\n", 2, "continuation"),
        ("g.txt", "Record #1 of 1\nID: CN-1\nTI: A\nnot a field\n", 4, "TAG: value"),
        ("h.txt", "Record #1 of 1\nPT: Journal article\n", 1, "neither ID nor TI"),
        ("i.txt", "FN Web of Science\nVR 1.0\nPT J\nTI A title\n", 3, "no ER"),
        (
            "j.bib",
            "@article{k1,\n  title = {A},\n}\n\n@article{k2,\n  title = {Cu",
            6,
            "",
        ),
        (
            "k.txt",
            "PT\tAU\tTI\tSO\tPY\tUT\nJ\tSmith, J\tA\tJ\t2018\tWOS:1\nJ\tcut\n",
            3,
            "",
        ),
    ],
)
def test_every_reader_rejects_a_broken_file(
    tmp_path: Path, name: str, content: str, line: int, reason: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(ImportFormatError) as info:
        read_records(path)
    message = str(info.value)
    assert str(path) in message
    assert f"line {line}:" in message
    assert reason in message
    assert "nothing was imported" in message
    assert isinstance(info.value, MetareviewError)


def test_cochrane_reader_named_explicitly_on_a_ris_file(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", COCHRANE_RIS)
    with pytest.raises(ImportFormatError, match=r"line 2: .*not a Cochrane"):
        read_records(path, format="cochrane")


# --- the same dialects in real EBSCOhost exports ------------------------------------


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "records", "database", "with_doi", "with_id"),
    [
        # counts of L3/DO lines and of records, read off the files with grep
        (
            "topic_data/20221207_gambling-harms_crimjust_41.ris",
            41,
            "Criminal Justice Abstracts",
            41,
            41,
        ),
        ("valid_data/psycinfo_64.ris", 64, "APA PsycInfo", None, 64),
        ("new_stage_data/econlit_3.ris", 3, "EconLit", None, 3),
    ],
)
def test_real_ebsco_exports(
    name: str, records: int, database: str, with_doi: int | None, with_id: int
) -> None:
    frame = read_records(shared_data("formats-citesource", *name.split("/")))
    assert len(frame) == records
    assert set(frame["source_database"]) == {database}
    if with_doi is not None:
        assert frame["doi"].notna().sum() == with_doi  # from L3
    assert frame["original_id"].notna().sum() == with_id
