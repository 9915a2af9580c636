"""Relevance ranking of unscreened records: TF-IDF features and a linear classifier.

The features are fitted once per record set, without labels, so retraining after a
decision is only the classifier fit. :class:`Ranker` keeps them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

from metareview._validate import InputError, InputTypeError, choice, generator

__all__ = ["MODELS", "Ranker", "rank_records"]


MODELS: tuple[str, ...] = ("logistic", "nb", "svm")
TEXT_COLUMNS = ("title", "abstract", "keywords")
# The title's words count twice (record_texts) and the SVM weighs relevant
# records 5 times the rest (class_weights); Ranker's Notes give the evidence.
TITLE_WEIGHT = 2
RELEVANT_WEIGHT = 5.0
#: From this many relevant training records on, the SVM is fitted again on
#: them and as many irrelevant ones (aggressive undersampling; see Ranker).
UNDERSAMPLE_FROM = 30
IntArray = NDArray[np.int64]


def record_texts(records: object, *, title_weight: int = TITLE_WEIGHT) -> pd.Series:
    """Return one text per record: title (``title_weight`` times), abstract, keywords.

    Repeating the title multiplies the term frequencies of its words before
    the TF-IDF weighting, the field weighting of Robertson et al. (2004): a
    title states what a study is about in a few words, so its terms deserve
    more weight than the same terms in the abstract.

    Raises :class:`InputError` when ``records`` is not a frame with a ``title``
    or ``abstract`` column, its index has duplicates, or every text is empty.

    References
    ----------
    Robertson S, Zaragoza H, Taylor M (2004). Simple BM25 extension to
    multiple weighted fields. CIKM '04, 42-49.
    https://doi.org/10.1145/1031171.1031181

    """
    if (
        isinstance(title_weight, bool)
        or not isinstance(title_weight, int | np.integer)
        or title_weight < 1
    ):
        raise InputError(f"title_weight must be an integer >= 1; got {title_weight!r}")
    if not isinstance(records, pd.DataFrame):
        raise InputTypeError(
            "records must be a pandas DataFrame with columns title and abstract; "
            f"got {type(records).__name__}"
        )
    cols = [c for c in TEXT_COLUMNS if c in records.columns]
    if not {"title", "abstract"} & set(cols):
        raise InputError(
            "records must have a 'title' or 'abstract' column; columns are: "
            + ", ".join(map(str, records.columns))
        )
    if not records.index.is_unique:
        dup = records.index[records.index.duplicated()][0]
        raise InputError(f"records.index must be unique record ids; {dup!r} repeats")
    if len(records) == 0:
        raise InputError("records is empty")
    text = pd.Series("", index=records.index, dtype=object)
    for c in cols:
        part = records[c].map(_as_text)
        for _ in range(int(title_weight) if c == "title" else 1):
            text = text.str.cat(part, sep=" ")
    text = text.str.strip()
    if (text == "").all():
        raise InputError(
            "records have no text: every title and abstract is empty, so there is "
            "nothing to rank on"
        )
    return text


def _as_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, list | tuple):
        return " ".join(map(str, value))
    return str(value)


def vectorise(texts: pd.Series) -> sp.csr_matrix:
    """TF-IDF of word 1- and 2-grams (sublinear tf, l2 rows), fitted on all texts.

    Salton & Buckley (1988), Inf Process Manag 24:513, term weighting: weight
    ``(1 + log tf) * idf`` with smooth ``idf = 1 + log((1 + n) / (1 + df))``,
    rows scaled to unit length. Terms in more than 95% of records are dropped:
    they cannot separate records. No labels are used, so the features are
    computed once per record set.
    """
    vec = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        max_df=0.95,
        min_df=1,
        dtype=np.float64,
    )
    X = vec.fit_transform(texts.tolist())
    return sp.csr_matrix(X)


def class_weights(y: IntArray, relevant_weight: float) -> dict[int, float]:
    r"""Class weights giving the relevant class ``relevant_weight`` times the rest's.

    Parameters
    ----------
    y : numpy.ndarray
        Labels (1 relevant, 0 not) of the training records; both must occur.
    relevant_weight : float
        :math:`k`, the relevant records' total weight over the irrelevant
        records' total weight.

    Returns
    -------
    dict
        ``{0: w0, 1: w1}`` for scikit-learn's ``class_weight``.

    Notes
    -----
    With :math:`n_1` relevant and :math:`n_0` irrelevant of :math:`n` records,

    .. math:: w_1 = \frac{k\,n}{(k + 1)\,n_1}, \qquad
              w_0 = \frac{n}{(k + 1)\,n_0},

    so :math:`n_1 w_1 = k\,n_0 w_0` and the weights average 1 (the penalty
    ``C`` keeps its meaning). :math:`k = 1` is the "balanced" weighting of
    King & Zeng (2001), each class weighted inversely to its frequency;
    :math:`k > 1` also tilts the classifier towards recall, which screening
    needs: missing a relevant record costs more than reading an irrelevant
    one. ASReview's default model (ELAS u4) uses the same scheme with
    :math:`k = 9.8`, tuned on the SYNERGY datasets (De Bruin et al. 2023).

    References
    ----------
    King G, Zeng L (2001). Logistic regression in rare events data. Political
    Analysis 9:137-163. https://doi.org/10.1093/oxfordjournals.pan.a004868

    De Bruin J, et al. (2023). SYNERGY - Open machine learning dataset on
    study selection in systematic reviews. DataverseNL.
    https://doi.org/10.34894/HE6NAQ

    Examples
    --------
    >>> import numpy as np
    >>> w = class_weights(np.array([1, 0, 0, 0]), 5.0)
    >>> round(w[1], 6), round(w[0], 6)
    (3.333333, 0.222222)

    """
    n1 = int(np.count_nonzero(y == 1))
    n0 = int(y.size - n1)
    k = float(relevant_weight)
    return {1: k * y.size / ((k + 1.0) * n1), 0: y.size / ((k + 1.0) * n0)}


def _classifier(
    model: str, y: IntArray
) -> LogisticRegression | MultinomialNB | LinearSVC:
    # Settings chosen on the 8 labelled sets of benchmarks/bench_screening.py
    # (mean WSS@95 over seeds 42-44; the docstring of Ranker gives the
    # numbers). Fixed random_state: liblinear shuffles, and rankings must be
    # reproducible.
    if model == "logistic":
        return LogisticRegression(
            C=10.0, class_weight="balanced", solver="liblinear", random_state=0
        )
    if model == "svm":
        return LinearSVC(
            C=0.1, class_weight=class_weights(y, RELEVANT_WEIGHT), random_state=0
        )
    return MultinomialNB(alpha=0.1)


def _undersample(clf: LinearSVC, X: sp.csr_matrix, y: IntArray) -> IntArray | None:
    """Rows to fit on again: every relevant one, as many of the clearest irrelevant.

    None while fewer than :data:`UNDERSAMPLE_FROM` rows are relevant or the
    irrelevant ones do not outnumber them. The irrelevant rows kept are those
    with the lowest scores of ``clf`` (fitted on all rows).
    """
    relevant = np.flatnonzero(y == 1)
    irrelevant = np.flatnonzero(y == 0)
    if relevant.size < UNDERSAMPLE_FROM or irrelevant.size <= relevant.size:
        return None
    far = np.argsort(clf.decision_function(X[irrelevant]), kind="stable")
    return np.concatenate([relevant, irrelevant[far[: relevant.size]]])


class Ranker:
    """Rank the unscreened records of one record set by predicted relevance.

    The TF-IDF features are fitted once, on every record's text and without
    labels (see :func:`vectorise`); each call of :meth:`rank` fits only the
    classifier on the records labelled so far and scores the others.

    Parameters
    ----------
    records : pandas.DataFrame
        Index: record ids; columns ``title`` and/or ``abstract`` (``keywords``
        optional).
    model : {"svm", "logistic", "nb"}
        ``"svm"`` (default): linear support vector machine (squared hinge
        loss, L2 penalty, ``C = 0.1``), relevant records weighted
        :data:`RELEVANT_WEIGHT` (5) times the irrelevant ones in total (see
        :func:`class_weights`), with aggressive undersampling once
        :data:`UNDERSAMPLE_FROM` (30) relevant records are labelled (see
        Notes); ``"logistic"``: L2 logistic regression,
        classes weighted inversely to their frequency (King & Zeng 2001);
        ``"nb"``: multinomial naive Bayes (McCallum & Nigam 1998).
    title_weight : int
        How many times the title counts in the text (see :func:`record_texts`).

    Notes
    -----
    All models use TF-IDF of word 1-2-grams with sublinear tf and unit rows
    (:func:`vectorise`), as ASReview's default model ELAS u4 does. The default
    differs from ELAS u4 (whose SVM weights the relevant class 9.8 times and
    counts the title once) in two settings, chosen on the 8 labelled sets of
    ``benchmarks/bench_screening.py`` (mean WSS@95 over the sets, seeds
    42-44; ELAS u4 0.632 on the same priors): the title counts twice, the
    field weighting of Robertson et al. (2004) (balanced SVM 0.647 -> 0.667),
    and the relevant class weighs 5 times the rest (0.663; balanced 0.667,
    3 times 0.662, 7 times 0.661, 9.8 times with ``C = 0.11`` 0.655; with 5
    times, ``C = 0.05`` 0.654 and ``C = 0.2`` 0.665). Up-weighting relevant
    records gave up 0.003 of the mean but met ELAS u4 on 6 of the 8 sets
    instead of 4, within 0.006 on the other two; the SVM also fitted fastest.

    Aggressive undersampling (Yu, Kraft & Menzies 2018, FASTREAD): once 30
    relevant records are labelled, the SVM is fitted a second time on the
    relevant records and as many irrelevant ones, those the first fit puts
    farthest on the irrelevant side, unweighted (the classes are then equal).
    The irrelevant records nearest the boundary, which pull the boundary
    towards the relevant class when they outnumber it, are left out; the
    relevant records that are hard to find late in screening then rank
    higher. It met ELAS u4 on the two sets where the weighted SVM alone was
    behind (van_de_Schoot_2018 0.900 -> 0.902, ELAS u4 0.902; Jeyaraman_2020
    0.632 -> 0.637, ELAS u4 0.637) and changes only the sets with at least
    30 relevant records (mean 0.663 over the 8 sets either way; Meijboom_2021
    0.769 -> 0.756, ELAS u4 0.700).

    References
    ----------
    Robertson S, Zaragoza H, Taylor M (2004). Simple BM25 extension to
    multiple weighted fields. CIKM '04, 42-49.
    https://doi.org/10.1145/1031171.1031181

    Yu Z, Kraft NA, Menzies T (2018). Finding better active learners for
    faster literature reviews. Empirical Software Engineering 23:3161-3186.
    https://doi.org/10.1007/s10664-017-9587-0

    """

    def __init__(
        self,
        records: pd.DataFrame,
        *,
        model: str = "svm",
        title_weight: int = TITLE_WEIGHT,
    ) -> None:
        self.model = choice("model", model, MODELS)
        texts = record_texts(records, title_weight=title_weight)
        self.ids = records.index
        self.X = vectorise(texts)

    def scores(
        self, train: IntArray, y: IntArray, score: IntArray
    ) -> NDArray[np.float64]:
        """Fit on rows ``train`` with labels ``y``; return scores of rows ``score``."""
        clf = _classifier(self.model, y)
        X = self.X[train]
        clf.fit(X, y)
        if isinstance(clf, LinearSVC):
            keep = _undersample(clf, X, y)
            if keep is not None:
                clf = LinearSVC(C=0.1, random_state=0)
                clf.fit(X[keep], y[keep])
        Xs = self.X[score]
        if isinstance(clf, MultinomialNB):
            lp = clf.predict_joint_log_proba(Xs)
            return np.asarray(lp[:, 1] - lp[:, 0], dtype=float)
        return np.asarray(clf.decision_function(Xs), dtype=float)

    def order(
        self,
        train: IntArray,
        y: IntArray,
        *,
        rng: np.random.Generator | int | None = None,
    ) -> tuple[IntArray, NDArray[np.float64]]:
        """Fit on rows ``train`` (labels ``y``); the other rows, best first, and scores.

        Rows are positions in :attr:`ids`; ``y`` must hold both classes.
        """
        rest = np.ones(len(self.ids), dtype=bool)
        rest[train] = False
        rows = np.flatnonzero(rest)
        if rows.size == 0:
            return rows, np.empty(0)
        s = self.scores(train, y, rows)
        # Ties (e.g. records without text) are broken at random, reproducibly.
        perm = generator(rng).permutation(rows.size)
        best = perm[np.argsort(-s[perm], kind="stable")]
        return rows[best], s[best]

    def rank(
        self, labels: pd.Series, *, rng: np.random.Generator | int | None = None
    ) -> pd.Series:
        """Scores of the records not in ``labels``, highest first (see rank_records)."""
        lab = _labels(labels, self.ids)
        pos = self.ids.get_indexer(lab.index)
        rows, s = self.order(pos, lab.to_numpy(dtype=np.int64), rng=rng)
        return pd.Series(s, index=self.ids[rows], name="score")


def _scalar(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _labels(labels: object, ids: pd.Index) -> pd.Series:
    if not isinstance(labels, pd.Series):
        raise InputTypeError(
            "labels must be a pandas Series indexed by record id with values 1/0; "
            f"got {type(labels).__name__}"
        )
    missing = labels.index.difference(ids)
    if len(missing):
        raise InputError(
            f"labels has {len(missing)} record id(s) not in records.index, "
            f"e.g. {missing[0]!r}"
        )
    if not labels.index.is_unique:
        dup = labels.index[labels.index.duplicated()][0]
        raise InputError(f"labels has record id {dup!r} more than once")
    vals = pd.to_numeric(labels, errors="coerce")
    bad = ~vals.isin([0, 1])
    if bad.any():
        rid = labels.index[np.flatnonzero(bad.to_numpy())[0]]
        raise InputError(
            "labels must be 1 (include or maybe) or 0 (exclude); record "
            f"{rid!r} has {_scalar(labels[rid])!r}"
        )
    n1 = int((vals == 1).sum())
    n0 = int((vals == 0).sum())
    if n1 == 0 or n0 == 0:
        need = "included (1)" if n1 == 0 else "excluded (0)"
        raise InputError(
            f"labels need at least one included (1) and one excluded (0) record "
            f"to train a model; there is no {need} record yet ({n1} included, "
            f"{n0} excluded): screen in your own order until there is"
        )
    return vals.astype(np.int64)


def rank_records(
    records: pd.DataFrame,
    labels: pd.Series,
    *,
    model: str = "svm",
    rng: np.random.Generator | int | None = None,
) -> pd.Series:
    """Order the unscreened records by predicted relevance.

    Parameters
    ----------
    records : pandas.DataFrame
        Index: record ids; text columns ``title``, ``abstract`` (``keywords``
        optional). Missing text is allowed; a frame without any text is not.
    labels : pandas.Series
        Decisions so far, indexed by record id (a subset of ``records.index``):
        1 include (or maybe), 0 exclude. Needs at least one of each.
    model : {"svm", "logistic", "nb"}
        Classifier on TF-IDF word 1-2-grams; see :class:`Ranker`.
    rng : numpy.random.Generator, int or None
        Breaks ties between equal scores.

    Returns
    -------
    pandas.Series
        Relevance score (the classifier's decision function: larger is more
        likely relevant) of every record not in ``labels``, sorted from highest
        to lowest; the index is the record ids.

    Notes
    -----
    This is certainty-based active learning ("max" query): the reviewer screens
    the top record, the model is refitted, and so on (Cormack & Grossman 2014;
    van de Schoot et al. 2021). Screen in this order, then use
    :func:`stopping_guide` to decide when to stop; never stop at an arbitrary
    cut-off.

    References
    ----------
    Cormack GV, Grossman MR (2014). Evaluation of machine-learning protocols for
    technology-assisted review in electronic discovery. SIGIR '14, 153-162.
    https://doi.org/10.1145/2600428.2609601

    van de Schoot R, et al. (2021). An open source machine learning framework
    for efficient and transparent systematic reviews. Nature Machine
    Intelligence 3:125-133. https://doi.org/10.1038/s42256-020-00287-7

    Examples
    --------
    >>> import pandas as pd
    >>> from metareview.review.priority import rank_records
    >>> recs = pd.DataFrame(
    ...     {"title": ["statin trial cholesterol", "statin cholesterol outcome",
    ...                "bird migration", "river sediment",
    ...                "statin cholesterol dose trial"],
    ...      "abstract": ""}, index=["a", "b", "c", "d", "e"])
    >>> rank_records(recs, pd.Series({"a": 1, "c": 0}), rng=0).index.tolist()
    ['e', 'b', 'd']

    """
    return Ranker(records, model=model).rank(labels, rng=rng)
