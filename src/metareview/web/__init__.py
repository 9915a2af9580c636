"""The local web app: ``create_app(folder)`` serves a review project to its team.

Server-rendered pages (Jinja2, autoescaped) over the same library functions as the
command line; run it with ``metareview serve DIR``.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
