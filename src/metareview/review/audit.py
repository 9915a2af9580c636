"""Audit of reported results: do an estimate, its CI and its P value agree.

:func:`audit_text` finds effect statements in prose (OR, RR, HR, IRR, RD, MD, SMD,
Cohen's d, Hedges' g with a confidence interval and often a P value), recomputes
what each implies and explains, in words a clinician understands, every
inconsistency that the rounding of the printed numbers cannot explain.
:func:`audit_file` does the same for a text, Markdown or HTML file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from rich.table import Table
from rich.text import Text
from scipy import stats

from metareview._json import json_rows as records
from metareview._validate import InputError, InputTypeError
from metareview.review._audit_checks import (
    EPS,
    identity,
    implied_p,
    log,
    p_agrees,
    symmetric,
)
from metareview.review._audit_parse import (
    Number,
    Statement,
    find_statements,
    html_to_text,
)

__all__ = ["COLUMNS", "as_text", "audit_file", "audit_table", "audit_text", "records"]

COLUMNS = (
    "statement", "start", "end", "measure", "estimate", "ci_lb", "ci_ub", "level",
    "p_reported", "p_implied", "p_implied_range", "se_implied", "consistent",
    "problems",
)  # fmt: skip
_DTYPES = {"start": "int64", "end": "int64", "consistent": "bool"}
_HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_NAN = float("nan")


def audit_text(text: str) -> pd.DataFrame:
    r"""Find effect statements in ``text`` and check each for consistency.

    Parameters
    ----------
    text : str
        Prose: an abstract, a results section, a whole report (plain text or
        Markdown; use :func:`audit_file` or :func:`html_to_text` for HTML).

    Returns
    -------
    pandas.DataFrame
        One row per statement, in order of appearance, with the columns
        :data:`COLUMNS`: ``statement`` (the text matched) and its ``start`` and
        ``end`` offsets in ``text``; ``measure`` (``"OR"``, ``"RR"``, ``"HR"``,
        ``"IRR"``, ``"RD"``, ``"MD"``, ``"SMD"``, ``"d"``, ``"g"``, or e.g.
        ``"log OR"``); ``estimate``, ``ci_lb``, ``ci_ub`` as printed; ``level``
        (0.95 unless stated); ``p_reported`` (the text, e.g. ``"P < .001"``, or
        None); ``p_implied`` and ``p_implied_range`` (the two-sided P value the
        estimate and CI imply, and its (min, max) over every value the printed
        numbers could have had before rounding); ``se_implied`` (on the log
        scale for ratios); ``consistent``; ``problems`` (one sentence per
        problem, joined with ``"; "``; empty when consistent).

    Notes
    -----
    Ratios (OR, RR, HR, IRR) are checked on the log scale, everything else on
    its own scale; :math:`f` below is the log or the identity. Following Altman
    and Bland (2011a), with :math:`z = \Phi^{-1}(1 - (1 - \text{level})/2)`,

    .. math::

        SE = \frac{f(u) - f(l)}{2z}, \qquad
        P = 2\,\{1 - \Phi(|f(\hat\theta)| / SE)\}.

    A Wald CI is symmetric: :math:`f(\hat\theta) - f(l) = f(u) - f(\hat\theta)`.
    When it is not, the half of the CI between the estimate and the null (the
    half that decides whether the null lies inside it) gives the P value,
    :math:`P = 2\{1 - \Phi(z\,|f(\hat\theta)| / |f(\hat\theta) - f(b)|)\}` with
    :math:`b` the limit nearer the null, so that :math:`P < 1 - \text{level}`
    exactly when the CI excludes the null. For a symmetric CI both formulas
    agree and the range reported is the intersection of their ranges.

    Every printed number could have been anywhere within half a unit of its
    last digit (1.67 is 1.665 to 1.675; ``P = .05`` is 0.045 to 0.055), the
    idea of statcheck (Nuijten et al. 2016). A check fails only if no values
    in those intervals pass it:

    - the CI limits must be in order, and a ratio and its limits positive;
    - the estimate must lie within its CI;
    - the CI must be symmetric around the estimate (on the log scale for
      ratios); if a ratio's CI is symmetric on the ratio scale instead, the
      message says so;
    - ``P = x`` must overlap the implied range; ``P < x`` needs an implied P
      below x, ``P > x`` one above. The Altman and Bland (2011b) relation
      between P and CI is the same one, read the other way round.

    The checks assume a normal (Wald) CI and P value, as most meta-analyses
    report. A P value and CI both from a t distribution (Hartung-Knapp, small
    trials) have a wider CI for the same P, so a correct t-based P can be
    flagged as too small for its CI; a Bayesian credible interval or an exact
    CI need not be symmetric.

    References
    ----------
    Altman DG, Bland JM (2011a). How to obtain the P value from a confidence
    interval. BMJ 343:d2304. doi:10.1136/bmj.d2304

    Altman DG, Bland JM (2011b). How to obtain the confidence interval from a P
    value. BMJ 343:d2090. doi:10.1136/bmj.d2090

    Nuijten MB, Hartgerink CHJ, van Assen MALM, Epskamp S, Wicherts JM (2016).
    The prevalence of statistical reporting errors in psychology (1985-2013).
    Behavior Research Methods 48:1205-1226. doi:10.3758/s13428-015-0664-2

    Examples
    --------
    >>> res = audit_text("SMD 0.64 (0.20-1.08), P < .001; RR 0.49 (0.34 to 0.70)")
    >>> res[["measure", "p_implied", "consistent"]]
      measure  p_implied  consistent
    0     SMD   0.004360       False
    1      RR   0.000108        True
    >>> print(res.problems[0])
    P < .001 is reported, but the SMD and its CI imply P ≈ 0.0044 (between
    0.0038 and 0.0050 given the rounding), so the P value, the SMD or its CI
    is misreported.

    """
    if not isinstance(text, str):
        raise InputTypeError(f"text must be a str; got {type(text).__name__}")
    rows = [_audit(s, text) for s in find_statements(text)]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype(_DTYPES)


def audit_file(path: str | Path) -> pd.DataFrame:
    """Audit the statements of a text, Markdown or HTML file (:func:`audit_text`).

    HTML (a name ending in ``.html``/``.htm`` or a text starting with ``<``) is
    reduced to its text first, and the offsets refer to that text.

    Parameters
    ----------
    path : str or Path
        The file, read as UTF-8.

    Returns
    -------
    pandas.DataFrame
        As :func:`audit_text`.

    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"path: no such file: {file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"path: cannot read {file} as UTF-8 text: {exc}") from None
    return audit_text(as_text(text, html=file.suffix.lower() in _HTML_SUFFIXES))


def as_text(text: str, *, html: bool = False) -> str:
    """Return ``text``, or its text content if it is HTML (or ``html`` is true)."""
    if html or text.lstrip().startswith("<"):
        return html_to_text(text)
    return text


def _audit(s: Statement, text: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "statement": text[s.start : s.end],
        "start": s.start,
        "end": s.end,
        "measure": s.measure,
        "estimate": s.est.value,
        "ci_lb": s.lb.value,
        "ci_ub": s.ub.value,
        "level": s.level,
        "p_reported": s.p_text,
        "p_implied": _NAN,
        "p_implied_range": (_NAN, _NAN),
        "se_implied": _NAN,
    }
    problems = _problems(s, row)
    row["consistent"] = not problems
    # one sentence per problem: "A; B."
    row["problems"] = "; ".join(m.rstrip(".") for m in problems) + "." * bool(problems)
    return row


def _problems(s: Statement, row: dict[str, Any]) -> list[str]:
    """Run the checks in order; fill the implied values of ``row``."""
    name, lb, ub, est = s.measure, s.lb, s.ub, s.est
    out = []
    if lb.value > ub.value:
        out.append(
            f"The lower limit of the CI ({lb.text}) is larger than the upper limit "
            f"({ub.text}): the two limits are swapped or one of them is mistyped."
        )
        lb, ub = ub, lb
    # a limit printed as 0.00 may be a rounded 0.004; an estimate may not
    if s.ratio_scale and (est.value <= 0 or lb.value < 0):
        bad = est if est.value <= 0 else lb
        out.append(
            f"The {name} is a ratio, which cannot be zero or negative, but "
            f"{'the estimate' if bad is est else 'a CI limit'} is {bad.text}: "
            "a number is mistyped, or the CI was computed on the wrong scale."
        )
        return out
    if est.hi < lb.lo - EPS or est.lo > ub.hi + EPS:
        out.append(
            f"The {name} ({est.text}) lies outside its own CI ({lb.text} to "
            f"{ub.text}), but a CI always contains its estimate, so the estimate "
            "or the CI is misreported."
        )
        return out
    f: Callable[[float], float] = log if s.ratio_scale else identity
    z = float(stats.norm.isf((1 - s.level) / 2))
    se = (f(ub.value) - f(lb.value)) / (2 * z)
    row["se_implied"] = se if math.isfinite(se) else _NAN
    sym = symmetric(est, lb, ub, f)
    if not sym:
        out.append(_asymmetry_message(s, est, lb, ub, f, z))
    point, lo, hi = implied_p(est, lb, ub, f, z, symmetric=sym)
    row["p_implied"], row["p_implied_range"] = point, (lo, hi)
    if s.p is not None and s.p_op is not None and not p_agrees(s.p_op, s.p, lo, hi):
        out.append(_p_message(s, s.p, lb, ub, f, (point, lo, hi)))
    return out


def _asymmetry_message(
    s: Statement,
    est: Number,
    lb: Number,
    ub: Number,
    f: Callable[[float], float],
    z: float,
) -> str:
    name = s.measure
    # a ratio's limit printed as 0.00 is at most half a unit: "at least" below
    low = lb.value if math.isfinite(f(lb.value)) else lb.hi
    below, above = _pair(f(est.value) - f(low), f(ub.value) - f(est.value))
    below = below if low == lb.value else f"at least {below}"
    if not s.ratio_scale:
        return (
            f"The CI is not symmetric around the {name} ({below} below, {above} "
            f"above), as a CI for the {name} usually is: the {name}, its CI or both "
            "were misreported."
        )
    msg = (
        f"The CI is not symmetric around the {name} on the log scale ({below} "
        f"below, {above} above), as a CI for a ratio usually is: the {name}, its CI "
        "or both were misreported or the CI was not computed on the log scale."
    )
    if symmetric(est, lb, ub, identity):
        msg += (
            f" It is symmetric on the {name} scale itself, which suggests it was "
            f"computed as {name} ± {z:.2f} × SE instead of on the log scale."
        )
    return msg


def _pair(a: float, b: float) -> tuple[str, str]:
    """Format two distances with enough decimals to tell them apart (2 to 4)."""
    for digits in (2, 3, 4):
        sa, sb = f"{a:.{digits}f}", f"{b:.{digits}f}"
        if sa != sb:
            break
    return sa, sb


def _p_message(
    s: Statement,
    p: Number,
    lb: Number,
    ub: Number,
    f: Callable[[float], float],
    implied: tuple[float, float, float],
) -> str:
    name, alpha = s.measure, round(1 - s.level, 10)
    null = "1" if s.ratio_scale else "0"
    values = (
        f"P ≈ {_fmt_p(implied[0])} (between {_fmt_p(implied[1])} and "
        f"{_fmt_p(implied[2])} given the rounding)"
    )
    excludes = f(lb.value) > 0 or f(ub.value) < 0
    includes = f(lb.value) < 0 < f(ub.value)
    op = s.p_op or "="
    said_sig = p.value < alpha if op == "=" else op in "<≤" and p.value <= alpha
    said_not = op in "=>≥" and p.value >= alpha
    level = f"{100 * s.level:g}%"
    if (excludes and said_not) or (includes and said_sig):
        verb, rel = ("excludes", "<") if excludes else ("includes", ">")
        return (
            f"{s.p_text} is reported, but the {level} CI {verb} {null} (no "
            f"difference), which means P {rel} {alpha:.2g}: the {name} and its CI "
            f"imply {values}, so the P value, the {name} or its CI is misreported."
        )
    return (
        f"{s.p_text} is reported, but the {name} and its CI imply {values}, so the "
        f"P value, the {name} or its CI is misreported."
    )


def _fmt_p(p: float) -> str:
    """Format a P value for a message: 2 decimals from 0.1, else 2 digits."""
    if p >= 0.1:
        return f"{p:.2f}"
    if p >= 1e-4:
        return f"{p:#.2g}"
    if p == 0:
        return "0"
    mantissa, exponent = f"{p:.1e}".split("e")  # 2 significant digits
    return f"{mantissa} × 10^{int(exponent)}"


def audit_table(frame: pd.DataFrame) -> Table:
    """Return an audit frame as a rich table: statement, implied P, problems."""
    table = Table(show_lines=True, title="Effect statements")
    for name, justify in (("#", "right"), ("Statement", "left"),
                          ("Implied P", "right"), ("Problems", "left")):  # fmt: skip
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for i, row in enumerate(frame.to_dict("records"), start=1):
        p = row["p_implied"]
        verdict = (
            Text(row["problems"].replace("; ", "\n\n"), style="red")
            if row["problems"]
            else Text("consistent", style="green")
        )
        table.add_row(
            str(i),
            Text(row["statement"]),
            "" if math.isnan(p) else _fmt_p(p),
            verdict,
        )
    return table
