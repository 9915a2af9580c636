"""Find effect statements in prose for :mod:`metareview.review.audit`.

A statement is an effect measure, its estimate, a confidence interval and, often,
a P value, in the forms journals print: ``OR 1.67 (95% CI 1.05–2.94)``,
``OR = 1.67, 95% CI [1.05, 2.94]``, ``odds ratio of 1.67 (95% confidence interval
1.05 to 2.94; P = .05)``, ``MD −4.44 (−6.28 to −2.60)``, ``RR 0.49 [0.34; 0.70]``,
``HR 0·80 (0·70–0·91), p<0·001`` (the Lancet's decimal point) or
``P = 4 × 10−5``. Every printed number keeps its text, so the audit can tell how
much rounding it may hide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

__all__ = ["Number", "Statement", "find_statements", "html_to_text", "normalise"]

RATIOS = frozenset({"OR", "RR", "HR", "IRR"})

# one character in, one character out, so offsets in the normalised text are
# offsets in the original
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"
_TRANSLATE = str.maketrans(dict.fromkeys(_DASHES, "-"))
# superscripts only in a P value's exponent: elsewhere they are citations
_SUPERSCRIPT_DIGITS = str.maketrans(_SUPERSCRIPTS, "0123456789-")
_MIDDLE_DOT = re.compile(r"(?<=\d)[·•∙](?=\d)")

# measure text (regex) -> measure code; long names are case-insensitive, the
# abbreviations are not ("or" is an English word)
_MEASURES = (
    (r"(?i:standardi[sz]ed\s+mean\s+differences?)", "SMD"),
    (r"(?i:(?:weighted\s+)?mean\s+differences?)", "MD"),
    (r"(?i:(?:incidence\s+)?rate\s+ratios?)", "IRR"),
    (r"(?i:odds\s+ratios?)", "OR"),
    (r"(?i:risk\s+ratios?|relative\s+risks?)", "RR"),
    (r"(?i:hazard\s+ratios?)", "HR"),
    (r"(?i:risk\s+differences?)", "RD"),
    (r"Hedges(?:['’]s?|s)?\s+[*_]?g", "g"),
    (r"Cohen(?:['’]s|s)?\s+[*_]?d", "d"),
    (r"SMD", "SMD"),
    (r"W?MD", "MD"),
    (r"IRR", "IRR"),
    (r"[aA]?OR", "OR"),
    (r"[aA]?RR", "RR"),
    (r"[aA]?HR", "HR"),
    (r"RD", "RD"),
    (r"d(?=[*_]?\s*=)", "d"),
    (r"g(?=[*_]?\s*=)", "g"),
)
_NUM = r"-?(?:\d+(?:\.\d+)?|\.\d+)"
_MEASURE_RE = re.compile(
    r"(?<![\w'’])(?P<log>(?:log|ln)[\s-]?)?(?:"
    + "|".join(f"(?P<m{i}>{pattern})" for i, (pattern, _) in enumerate(_MEASURES))
    + r")(?![\w'’])(?:\s*\([A-Za-z]{1,4}\))?[*_]{0,2}"
    r"\s*(?:[:=,]|\b(?:of|was|is|were|equal\s+to)\b)?\s*[*_]{0,2}"
    rf"(?P<est>{_NUM})(?:\s*%)?[⁰¹²³⁴⁵⁶⁷⁸⁹,⁻]*"  # superscripts: a citation
)
_LABEL = (
    r"(?:(?P<level>\d{2}(?:\.\d+)?)\s*%\s*)?"
    r"(?:CI|C\.I\.|CrI|(?i:confidence|credible|compatibility)[\s-]+(?i:interval))"
    r"(?:\s*(?P<level2>\d{2}(?:\.\d+)?)\s*%)?"
)
_CI_RE = re.compile(
    r"\s*[,;]?\s*(?:with\s+(?:an?\s+)?)?(?P<open>[(\[])?\s*"
    rf"(?:(?P<label>{_LABEL})\s*[:=,]?\s*(?P<open2>[(\[])?\s*)?"
    rf"(?P<lb>{_NUM})(?:\s*%)?\s*(?P<sep>to\b|-|,|;)\s*(?P<ub>{_NUM})(?:\s*%)?"
)
_P_NUM = (
    r"(?P<pnum>(?:\d+(?:\.\d*)?|\.\d+)"
    r"(?:\s*[×x*·]\s*10\s*\^?\s*\(?\s*(?P<exp>[-⁻]\s*[\d⁰¹²³⁴⁵⁶⁷⁸⁹]+)\s*\)?"
    r"|\s*[eE]\s*(?P<exp2>[-+]?\d+))?)"
)
_P_RE = re.compile(
    r"\s*(?P<close>[)\]])?\s*[,;:]?\s*(?:and\s+|with\s+)?[*_]{0,2}(?<![A-Za-z])(?P<pstart>[Pp])[*_]{0,2}"
    r"(?:[\s-]?values?)?\s*(?P<op><=|>=|=<|=>|[=<>≤≥])\s*" + _P_NUM
)
_CLOSE_RE = re.compile(r"\s*[)\]]")


@dataclass(frozen=True, slots=True)
class Number:
    """A printed number: its text, its value and half a unit of its last digit."""

    text: str
    value: float
    half: float

    @property
    def lo(self) -> float:
        """Smallest value that prints as ``text``."""
        return self.value - self.half

    @property
    def hi(self) -> float:
        """Largest value that prints as ``text``."""
        return self.value + self.half


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """One effect statement found in a text (offsets into the original text)."""

    start: int
    end: int
    measure: str
    log: bool
    est: Number
    lb: Number
    ub: Number
    level: float
    p_op: str | None
    p: Number | None
    p_text: str | None

    @property
    def ratio_scale(self) -> bool:
        """Whether the values are ratios, checked on the log scale."""
        return self.measure in RATIOS and not self.log


def normalise(text: str) -> str:
    """Return ``text`` with dashes, minus signs and decimal '·' made ASCII.

    The result has the same length as ``text``, character for character.

    Examples
    --------
    >>> normalise("HR 0·80 (0·70–0·91), P = 4 × 10−5")
    'HR 0.80 (0.70-0.91), P = 4 × 10-5'

    """
    return _MIDDLE_DOT.sub(".", text.translate(_TRANSLATE))


def _number(m: re.Match[str], group: str, original: str) -> Number:
    """Return the number of ``group`` of ``m``, with its text as printed."""
    plain = m[group]
    digits = plain.split(".")[1] if "." in plain else ""
    printed = original[m.start(group) : m.end(group)]
    return Number(printed, float(plain), 0.5 * 10.0 ** -len(digits))


def _p_number(m: re.Match[str], original: str) -> Number:
    mantissa = m["pnum"].split("×")[0]
    mant = re.match(r"\d*\.?\d*", mantissa.strip())
    text = mant.group(0) if mant else mantissa
    decimals = len(text.split(".")[1]) if "." in text else 0
    exp = m["exp"] or m["exp2"]
    power = int(exp.translate(_SUPERSCRIPT_DIGITS).replace(" ", "")) if exp else 0
    value = float(text) * 10.0**power
    printed = original[m.start("pnum") : m.end("pnum")]
    return Number(printed, value, 0.5 * 10.0 ** (power - decimals))


def _measure(m: re.Match[str]) -> str:
    # exactly one alternative of the measure pattern matched
    return next(code for i, (_, code) in enumerate(_MEASURES) if m[f"m{i}"])


def find_statements(text: str) -> list[Statement]:
    """Return the effect statements of ``text``, in order of appearance.

    A measure and an estimate count only when a confidence interval follows. A
    CI without a label ("95% CI") needs a decimal point, so that citations such
    as ``[12, 13]`` are not read as one, and without a bracket either it must be
    ``lb–ub`` or ``lb to ub``.

    Examples
    --------
    >>> [s.measure for s in find_statements("OR 1.67 (1.05-2.94); d = 0.5")]
    ['OR']

    """
    plain = normalise(text)
    out: list[Statement] = []
    pos = 0
    while (m := _MEASURE_RE.search(plain, pos)) is not None:
        pos = m.end()
        ci = _CI_RE.match(plain, m.end())
        if ci is None:
            continue
        opened = ci["open"] or ci["open2"]
        # without a CI label: decimals (not a citation such as [12, 13]), and
        # a bare pair needs a dash or "to"
        if not ci["label"] and (
            "." not in ci["lb"] + ci["ub"] or (not opened and ci["sep"] in ",;")
        ):
            continue
        end = ci.end()
        p = _P_RE.match(plain, end)
        if p is not None:
            end = p.end()
        closed = p is not None and p["close"] is not None
        if opened and not closed and (close := _CLOSE_RE.match(plain, end)):
            end = close.end()
        level = ci["level"] or ci["level2"]
        measure = _measure(m)
        out.append(
            Statement(
                start=m.start(),
                end=end,
                measure=f"log {measure}" if m["log"] else measure,
                log=m["log"] is not None,
                est=_number(m, "est", text),
                lb=_number(ci, "lb", text),
                ub=_number(ci, "ub", text),
                level=float(level) / 100 if level else 0.95,
                p_op=None if p is None else _OPS.get(p["op"], p["op"]),
                p=None if p is None else _p_number(p, text),
                p_text=None if p is None else text[p.start("pstart") : p.end()],
            )
        )
        pos = end
    return out


_OPS = {"=<": "≤", "<=": "≤", "=>": "≥", ">=": "≥"}


class _TextOnly(HTMLParser):
    _BLOCK = frozenset(
        "p div br li tr td th h1 h2 h3 h4 h5 h6 table section article".split()
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Return the text of an HTML document: tags, scripts and styles removed.

    Examples
    --------
    >>> print(html_to_text("<p>OR 1.67 (95% CI 1.05&ndash;2.94), <i>P</i> = .05</p>"))
    <BLANKLINE>
    OR 1.67 (95% CI 1.05–2.94), P = .05
    <BLANKLINE>

    """
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)
