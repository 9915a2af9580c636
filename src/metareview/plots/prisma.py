"""The PRISMA 2020 flow diagram of a new systematic review (databases and registers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from matplotlib.axes import Axes
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from .._validate import InputError
from ._draw import canvas, fit, measure
from ._prisma_counts import Counts, inconsistencies, read_counts, total
from ._style import (
    BLACK,
    FONT_SIZE,
    ORANGE,
    SKY_BLUE,
    line_height,
    new_figure,
    style,
)

__all__ = ["prisma"]

MARGIN = 0.08  # inches around everything
PAD = 0.09  # inches between a box's border and its text
INDENT = 0.14  # inches per level of a listed item
COLUMN_MIN = 2.3  # inches: the narrowest a column of boxes gets
COLUMN_MAX = 3.5  # inches: wider text is wrapped
COLUMN_GAP = 0.45  # inches between the two columns (the horizontal arrows)
ROW_GAP = 0.32  # inches between rows (the vertical arrows)
BAR = 0.3  # inches: width of the phase bars at the left
NOT_REPORTED = "not reported"
TITLE = "Identification of studies via databases and registers"


def _tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white (amount 0 is white, 1 the colour)."""
    r, g, b = (1 - amount * (1 - c) for c in to_rgb(colour))
    return to_hex((r, g, b))


HEADER = _tint(ORANGE, 0.55)
PHASE = _tint(SKY_BLUE, 0.5)


Line = tuple[str, str, int]  # text, its count "(n = 12)" or "", indent level


@dataclass
class Box:
    """A box of the diagram: its lines, centred or not."""

    lines: list[Line] = field(default_factory=list)
    centred: bool = True
    gid: str = "prisma-box"


def prisma(counts: Mapping[str, object], *, check: bool = True) -> Figure:
    """Draw the PRISMA 2020 flow diagram of a new review (databases and registers).

    The diagram of Page et al. (2021, figure 1, "new systematic reviews which
    included searches of databases and registers only"): records identified
    (per database and register) and removed before screening; records screened
    and excluded; reports sought for retrieval and not retrieved; reports
    assessed for eligibility and excluded, with reasons; studies included and
    their reports. Boxes carry the template's wording, sized to their text;
    numbers are written with thousands separators ("n = 1,234").

    Parameters
    ----------
    counts : mapping
        ``identified``: records from databases, a mapping database → n (listed
        one per line) or a number; ``registers``: the same for trial registers;
        ``duplicates_removed``, ``automation_removed``, ``other_removed``: records
        removed before screening; ``screened``, ``excluded_screening``;
        ``sought``, ``not_retrieved``; ``assessed``; ``excluded_fulltext``: a
        mapping reason → n, or a number; ``included`` (studies) and
        ``included_reports``. Only ``included`` and one of ``identified`` and
        ``registers`` are required. Lines of the removal box that are left out
        are omitted, as the template allows for unused ones; so is a side box
        whose count is missing, and the retrieval row when neither of its
        counts is given; a main box whose count is missing says "n = not
        reported".
    check : bool
        Check that the counts add up: screened = identified + registers −
        removed; excluded_screening = screened − sought (or − assessed);
        assessed = sought − not_retrieved; included_reports (or included, when
        reports are not given) = assessed − excluded_fulltext; and no count
        exceeds the one it comes from. False draws the diagram anyway.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        For unknown keys, negative counts, and, with ``check``, counts that do
        not add up (the message names the keys and the numbers).
    InputTypeError
        For counts that are not whole numbers.

    Notes
    -----
    The template counts records (database hits) until screening and reports
    (full texts) from retrieval on; the last box counts studies, which may have
    more than one report each. So ``included`` may be smaller than
    ``assessed`` − ``excluded_fulltext`` when ``included_reports`` is given.

    References
    ----------
    .. [1] Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement:
       an updated guideline for reporting systematic reviews. BMJ
       2021;372:n71. doi:10.1136/bmj.n71

    Examples
    --------
    >>> import metareview as mr
    >>> fig = mr.prisma({
    ...     "identified": {"MEDLINE": 1520, "Embase": 2104, "PsycINFO": 873},
    ...     "duplicates_removed": 1391,
    ...     "screened": 3106, "excluded_screening": 3041,
    ...     "sought": 65, "not_retrieved": 3,
    ...     "assessed": 62,
    ...     "excluded_fulltext": {"Wrong outcome": 30, "Wrong design": 19},
    ...     "included": 13,
    ... })
    >>> fig.savefig("prisma.svg")  # doctest: +SKIP

    """
    data = read_counts(counts)
    if check:
        problems = inconsistencies(data)
        if problems:
            raise InputError(
                "PRISMA counts do not add up: "
                + "; ".join(problems)
                + " (pass check=False to draw the diagram anyway)"
            )
    with style():
        return _draw(_rows(data))


def _n(value: int | None) -> str:
    return f"(n = {NOT_REPORTED if value is None else f'{value:,}'})"


def _listed(head: str, items: dict[str, int] | int | None, level: int) -> Box:
    """``head (n = total)`` and one indented line per item of a mapping."""
    box = Box(centred=False)
    box.lines.append((head, _n(_sum(items)), level))
    if isinstance(items, dict):
        box.lines += [(name, _n(n), level + 1) for name, n in items.items()]
    return box


def _sum(items: dict[str, int] | int | None) -> int | None:
    return sum(items.values()) if isinstance(items, dict) else items


def _rows(c: Counts) -> list[tuple[str, Box, Box | None]]:
    """Lay out the rows: phase, main box, side box (None when omitted)."""
    ident = Box(lines=[("Records identified from:", "", 0)], centred=False)
    for key, head in (("identified", "Databases"), ("registers", "Registers")):
        if key in c:
            ident.lines += _listed(head, c[key], 1).lines
    removed: Box | None = None
    wording = {
        "duplicates_removed": "Duplicate records removed",
        "automation_removed": "Records marked as ineligible by automation tools",
        "other_removed": "Records removed for other reasons",
    }
    if any(key in c for key in wording):
        removed = Box(
            lines=[("Records removed before screening:", "", 0)], centred=False
        )
        removed.lines += [(w, _n(c[k]), 1) for k, w in wording.items() if k in c]
    rows = [("Identification", ident, removed)]
    rows.append(
        (
            "Screening",
            _simple("Records screened", c.get("screened")),
            _simple("Records excluded", c["excluded_screening"])
            if "excluded_screening" in c
            else None,
        )
    )
    if "sought" in c or "not_retrieved" in c:
        rows.append(
            (
                "Screening",
                _simple("Reports sought for retrieval", c.get("sought")),
                _simple("Reports not retrieved", c["not_retrieved"])
                if "not_retrieved" in c
                else None,
            )
        )
    excluded: Box | None = None
    if isinstance(c.get("excluded_fulltext"), dict):
        excluded = Box(lines=[("Reports excluded:", "", 0)], centred=False)
        excluded.lines += [(why, _n(n), 1) for why, n in c["excluded_fulltext"].items()]
    elif "excluded_fulltext" in c:
        excluded = _simple("Reports excluded", c["excluded_fulltext"])
    assessed = _simple("Reports assessed for eligibility", c.get("assessed"))
    rows.append(("Screening", assessed, excluded))
    included = _simple("Studies included in review", total(c, "included"))
    if "included_reports" in c:
        included.lines += _simple(
            "Reports of included studies", c["included_reports"]
        ).lines
    rows.append(("Included", included, None))
    return rows


def _simple(head: str, n: int | None) -> Box:
    return Box(lines=[(head, "", 0), (_n(n), "", 0)])


def _wrapped(box: Box, width: float) -> list[tuple[str, int]]:
    """Wrap the box's lines to ``width`` inches (indents included).

    Left-aligned lines continue with a hanging indent, so that each item of a
    list starts visibly on a new line.
    """
    out = []
    for text, n, level in box.lines:
        room = width - level * INDENT
        lines = fit(text, room, FONT_SIZE, 4, tail=n)
        if "\n" in lines and not box.centred:  # again, with the hanging indent
            lines = fit(text, room - INDENT, FONT_SIZE, 4, tail=n)
        out.append((lines, level))
    return out


def _content(lines: list[tuple[str, int]]) -> tuple[float, float]:
    """Width and height of wrapped lines, in inches.

    Lines that wrapped get room for a hanging indent (more than needed in a
    centred box, which has none).
    """
    width = max(
        measure(text) + level * INDENT + (INDENT if "\n" in text else 0.0)
        for text, level in lines
    )
    count = sum(text.count("\n") + 1 for text, _ in lines)
    return width, count * line_height(FONT_SIZE)


def _draw(rows: list[tuple[str, Box, Box | None]]) -> Figure:
    room = COLUMN_MAX - 2 * PAD
    mains = [_wrapped(main, room) for _, main, _ in rows]
    sides = [None if side is None else _wrapped(side, room) for _, _, side in rows]
    left_w = max(COLUMN_MIN, *(_content(m)[0] + 2 * PAD for m in mains))
    right_w = max(
        [COLUMN_MIN] + [_content(s)[0] + 2 * PAD for s in sides if s is not None]
    )
    lh = line_height(FONT_SIZE)
    x_left = MARGIN + BAR + 0.15
    x_right = x_left + left_w + COLUMN_GAP
    has_side = any(side is not None for side in sides)
    right_end = x_right + right_w if has_side else x_left + left_w
    header_w = max(right_end - x_left, measure(TITLE, FONT_SIZE, "bold") + 2 * PAD)
    width = x_left + header_w + MARGIN
    header_h = lh + 2 * PAD

    # heights: a phase of one row must be tall enough for its rotated label
    heights = []
    for (phase, _, _), main, side in zip(rows, mains, sides, strict=True):
        h_main = _content(main)[1] + 2 * PAD
        h_side = 0.0 if side is None else _content(side)[1] + 2 * PAD
        alone = [p for p, _, _ in rows].count(phase) == 1
        need = measure(phase, FONT_SIZE, "bold") + 0.16 if alone else 0.0
        heights.append((max(h_main, need), h_side))
    y = MARGIN + header_h + ROW_GAP
    tops = []
    for h_main, h_side in heights:
        tops.append(y)
        y += max(h_main, h_side) + ROW_GAP
    height = y - ROW_GAP + MARGIN

    fig = new_figure(width, height)
    ax = canvas(fig, width, height)
    _rounded(ax, x_left, MARGIN, header_w, header_h, HEADER)
    ax.text(
        x_left + header_w / 2,
        MARGIN + header_h / 2,
        TITLE,
        ha="center",
        va="center",
        weight="bold",
    )
    centres = []
    for i, (top, (h_main, h_side)) in enumerate(zip(tops, heights, strict=True)):
        mid = top + max(h_main, h_side) / 2
        centres.append(mid)
        _box(ax, x_left, mid - h_main / 2, left_w, h_main, mains[i], rows[i][1])
        side = sides[i]
        side_box = rows[i][2]
        if side is not None and side_box is not None:
            _box(ax, x_right, mid - h_side / 2, right_w, h_side, side, side_box)
            _arrow(ax, (x_left + left_w, mid), (x_right, mid))
        if i:
            above = centres[i - 1] + heights[i - 1][0] / 2
            _arrow(
                ax,
                (x_left + left_w / 2, above),
                (x_left + left_w / 2, mid - h_main / 2),
            )
    _phases(ax, [phase for phase, _, _ in rows], tops, [max(h) for h in heights])
    return fig


def _phases(
    ax: Axes, phases: list[str], tops: list[float], heights: list[float]
) -> None:
    """Draw a bar at the left of each run of rows of the same phase, labelled."""
    start = 0
    for i in range(1, len(phases) + 1):
        if i == len(phases) or phases[i] != phases[start]:
            top, bottom = tops[start], tops[i - 1] + heights[i - 1]
            _rounded(ax, MARGIN, top, BAR, bottom - top, PHASE)
            ax.text(
                MARGIN + BAR / 2,
                (top + bottom) / 2,
                phases[start],
                ha="center",
                va="center",
                rotation=90,
                weight="bold",
            )
            start = i


def _box(
    ax: Axes,
    x: float,
    y: float,
    w: float,
    h: float,
    lines: list[tuple[str, int]],
    box: Box,
) -> None:
    rect = Rectangle((x, y), w, h, facecolor="white", edgecolor=BLACK, lw=0.8)
    rect.set_gid(box.gid)
    ax.add_patch(rect)
    lh = line_height(FONT_SIZE)
    count = sum(text.count("\n") + 1 for text, _ in lines)
    top = y + h / 2 - count * lh / 2
    for text, level in lines:
        if box.centred:
            ax.text(
                x + w / 2, top, text, ha="center", va="top", multialignment="center"
            )
        else:
            first, _, rest = text.partition("\n")
            x_text = x + PAD + level * INDENT
            ax.text(x_text, top, first, ha="left", va="top")
            if rest:
                ax.text(x_text + INDENT, top + lh, rest, ha="left", va="top")
        top += (text.count("\n") + 1) * lh


def _rounded(ax: Axes, x: float, y: float, w: float, h: float, colour: str) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x, y),
            w,
            h,
            boxstyle="round,pad=0,rounding_size=0.06",
            facecolor=colour,
            edgecolor="none",
        )
    )


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    arrow = FancyArrowPatch(
        start,
        end,
        arrowstyle="-|>",
        mutation_scale=8,
        color=BLACK,
        lw=0.8,
        shrinkA=0,
        shrinkB=0,
    )
    arrow.set_gid("prisma-arrow")
    ax.add_patch(arrow)
