"""Permutation tests of the coefficients of a fitted model (metafor's ``permutest``).

Every permuted data set is refitted by the batch engine (``_core.fit_models``) in
one call per chunk of permutations: the permuted designs are stacked into one
``Problem`` with ``m`` = the number of permutations.

References
----------
Follmann DA, Proschan MA (1999). Valid inference in random effects meta-analysis.
Biometrics 55:732-737. doi:10.1111/j.0006-341x.1999.00732.x
Higgins JPT, Thompson SG (2004). Controlling the risk of spurious findings from
meta-regression. Stat Med 23:1663-1682. doi:10.1002/sim.1752
Viechtbauer W, López-López JA, Sánchez-Meca J, Marín-Martínez F (2015). A
comparison of procedures to test for moderators in mixed-effects
meta-regression models. Psychol Methods 20:360-374. doi:10.1037/met0000023

"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import (
    ConvergenceWarning,
    InputError,
    InputTypeError,
    generator,
    positive_int,
    readonly,
)
from ._core import fit_models
from .results import RMAResult
from .tau2 import Problem

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

# metafor's comptol: a permuted statistic at least the observed one less this
# counts as "as or more extreme", so ties that differ by rounding count
COMPTOL = float(np.finfo(np.float64).eps ** 0.5)
# the most permutations an exact test enumerates
MAX_EXACT = 10_000_000
# memory the refits of one chunk may take, in bytes
CHUNK_BYTES = 1_000_000_000


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class PermutestResult:
    """Permutation p-values of a model's coefficients and of its ``QM`` test.

    ``pval`` (one per coefficient) is the share of permutations whose ``|zval|``
    (``|tval|`` for t tests) is at least the observed one; ``QMp`` the share
    whose ``QM`` is at least the observed ``QM``. ``zval_perm``, ``beta_perm`` and
    ``QM_perm`` hold the statistics of every permutation used (the first is the
    observed data, for random permutations and for the exact test alike).
    ``iter`` is the number of permutations fitted, ``exact`` whether they were
    all of them, ``exact_iter`` how many an exact test needs, ``skipped`` how
    many were left out because their τ² did not converge. ``model`` is the
    fitted model tested.
    """

    pval: FloatArray
    QMp: float
    zval_perm: FloatArray
    beta_perm: FloatArray
    QM_perm: FloatArray
    iter: int
    exact: bool
    exact_iter: int
    skipped: int
    model: RMAResult

    def __str__(self) -> str:
        from ._format_metareg import format_permutest

        return format_permutest(self)


def permutest(
    res: RMAResult,
    iter: int = 1000,  # metafor's name, though it shadows the builtin
    *,
    exact: bool | None = None,
    rng: np.random.Generator | int | None = None,
) -> PermutestResult:
    r"""Permutation test of the coefficients of a fitted model.

    Parameters
    ----------
    res : RMAResult
        A model fitted by :func:`rma`.
    iter : int
        Number of random permutations (the observed data count as the first).
    exact : bool, optional
        ``True`` enumerates every permutation; ``False`` always draws ``iter``
        random ones; ``None`` (default, metafor's behaviour) enumerates them
        when there are no more than ``iter``.
    rng : numpy.random.Generator, int or None
        Source of the random permutations, or a seed for one.

    Returns
    -------
    PermutestResult

    Notes
    -----
    For a model with moderators the rows of the model matrix are permuted
    relative to ``(yi, vi)`` and the model is refitted, so that the moderators
    are unrelated to the outcomes under the null hypothesis (Higgins & Thompson
    2004; Viechtbauer et al. 2015). The two-sided p-value of coefficient j is
    :math:`\#\{|z^*_j| \ge |z_j|\} / N` over the :math:`N` permutations
    (including the observed data) and that of the omnibus test
    :math:`\#\{Q_M^* \ge Q_M\} / N`, with metafor's tolerance ``COMPTOL`` in the
    comparisons. An exact test goes through every *distinct* permutation of the
    rows, :math:`k! / \prod_r n_r!` when rows repeat :math:`n_r` times. For a
    model without moderators the signs of ``yi`` are flipped instead (Follmann &
    Proschan 1999): :math:`2^k` sign vectors. Permutations whose τ² does not
    converge are left out (as metafor leaves out fits that fail), with a
    ``ConvergenceWarning``.

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    >>> res = mr.rma(es.iloc[:6], mods="~ ablat", method="DL")
    >>> pt = mr.permutest(res)  # 6!/2! = 360 distinct orders: an exact test
    >>> pt.exact, pt.iter
    (True, 360)

    """
    if not isinstance(res, RMAResult):
        raise InputTypeError(
            f"permutest() needs an RMAResult from rma(); got {type(res).__name__}"
        )
    n_iter = positive_int("iter", iter)
    if exact not in (None, True, False):
        raise InputTypeError(f"exact must be True, False or None; got {exact!r}")
    gen = generator(rng)
    signs = res.int_only
    if signs:
        exact_iter = 2**res.k
        labels = np.zeros(res.k, np.intp)
        rows = res.X
    else:
        rows, inverse = np.unique(res.X, axis=0, return_inverse=True)
        labels = np.asarray(inverse, dtype=np.intp).reshape(-1)
        exact_iter = math.factorial(res.k) // math.prod(
            math.factorial(int(c)) for c in np.bincount(labels)
        )
    use_exact = bool(exact) or (exact is None and n_iter >= exact_iter)
    if use_exact and exact_iter > MAX_EXACT:
        raise InputError(
            f"an exact permutation test of this model needs {exact_iter:,} refits, "
            f"more than the {MAX_EXACT:,} allowed; use exact=None with iter= for "
            "random permutations"
        )
    n = exact_iter if use_exact else n_iter
    chunk = max(1, CHUNK_BYTES // (8 * res.k * (3 * res.p * res.p + 6 * res.p + 60)))
    if use_exact:
        perms = _all_sign_vectors(res.k) if signs else _distinct_orders(labels)
        batches: Iterator[Any] = (perms[i : i + chunk] for i in range(0, n, chunk))
    else:
        batches = _random_batches(labels, n, chunk, gen, signs)
    beta, zval, QM, ok = [], [], [], []
    for batch in batches:
        fit = _refit(res, batch, signs, rows)
        beta.append(fit[0])
        zval.append(fit[1])
        QM.append(fit[2])
        ok.append(fit[3])
    beta_perm, zval_perm = np.concatenate(beta), np.concatenate(zval)
    QM_perm, valid = np.concatenate(QM), np.concatenate(ok)
    skipped = int((~valid).sum())
    if skipped:
        warnings.warn(
            f"tau2 did not converge for {skipped} of {n} permutations; they were "
            "left out of the permutation p-values",
            ConvergenceWarning,
            stacklevel=2,
        )
    z_ok, qm_ok = zval_perm[valid], QM_perm[valid]
    pval = np.mean(np.abs(z_ok) >= np.abs(res.zval) - COMPTOL, axis=0)
    QMp = float(np.mean(qm_ok >= res.QM - COMPTOL))
    return PermutestResult(
        pval=readonly(np.asarray(pval, dtype=np.float64)),
        QMp=QMp,
        zval_perm=readonly(zval_perm),
        beta_perm=readonly(beta_perm),
        QM_perm=readonly(QM_perm),
        iter=n,
        exact=use_exact,
        exact_iter=exact_iter,
        skipped=skipped,
        model=res,
    )


def _all_sign_vectors(k: int) -> NDArray[np.int8]:
    """Every vector of ``k`` signs (+1 first), as rows of 0 (+1) and 1 (-1)."""
    codes = np.arange(2**k, dtype=np.int64)[:, None]
    return ((codes >> np.arange(k)) & 1).astype(np.int8)


def _distinct_orders(labels: IntArray) -> IntArray:
    """Every distinct arrangement of the multiset ``labels`` (observed first).

    Built class by class: the positions of each class are chosen among those
    still free, for all partial arrangements at once.
    """
    k = labels.shape[0]
    counts = np.bincount(labels)
    dtype = np.int16 if counts.size < 2**15 else np.intp
    out = np.full((1, k), -1, dtype=dtype)
    for cls, c in enumerate(counts):
        n, f = out.shape[0], int((out[0] < 0).sum())
        combos = np.array(list(combinations(range(f), int(c))), dtype=np.intp)
        free = np.nonzero(out < 0)[1].reshape(n, f)
        pos = free[:, combos].reshape(n * combos.shape[0], int(c))
        out = np.repeat(out, combos.shape[0], axis=0)
        np.put_along_axis(out, pos, cls, axis=1)
    # the observed arrangement first, as metafor counts it
    first = int(np.flatnonzero((out == labels).all(axis=1))[0])
    out[[0, first]] = out[[first, 0]]
    return out


def _random_batches(
    labels: IntArray, n: int, chunk: int, gen: np.random.Generator, signs: bool
) -> Iterator[Any]:
    """Random sign flips or row orders in chunks, the observed data first.

    Orders are given as the class labels of the rows in their new order.
    """
    k = labels.shape[0]
    done = 0
    while done < n:
        size = min(chunk, n - done)
        if signs:
            batch: Any = gen.integers(0, 2, size=(size, k), dtype=np.int8)
        else:
            batch = labels[np.argsort(gen.random((size, k)), axis=1)]
        if done == 0:
            batch[0] = 0 if signs else labels
        done += size
        yield batch


def _refit(
    res: RMAResult, batch: Any, signs: bool, rows: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]:
    """Refit the model to a batch of permuted data sets with the batch engine.

    ``batch`` holds sign codes (0 for +, 1 for -) for sign flips, else for each
    data set the labels of the distinct rows of X (``rows``) in their new order.
    """
    m, k = batch.shape
    y = np.broadcast_to(res.yi, (m, k))
    if signs:
        y = y * (1.0 - 2.0 * batch)
    w = res.user_weights
    prob = Problem(
        y=np.ascontiguousarray(y),
        v=np.broadcast_to(res.vi, (m, k)).copy(),
        X=None if signs else rows[batch],
        mask=np.ones((m, k)),
        weights=None if w is None else np.broadcast_to(w, (m, k)).copy(),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = fit_models(
            prob,
            method=res.method,
            test=res.test,
            level=res.level,
            opts=res.control,
            tau2=np.full(m, res.tau2) if res.tau2_fix else None,
            weights=prob.weights,
        )
    ok = fit.converged & np.isfinite(fit.zval).all(axis=1)
    return fit.beta, fit.zval, fit.QM, ok
