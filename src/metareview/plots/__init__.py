"""Figures of a systematic review, drawn with matplotlib.

Every function takes results or plain data and returns a
:class:`matplotlib.figure.Figure` built without pyplot (no global state, no
window), ready for ``fig.savefig("forest.svg")`` (or ``.png``, ``.pdf``) or for
embedding in a report.
"""
