"""Page rendering: the Jinja2 environment (autoescaped), highlights, messages.

Record text is untrusted (it comes from database exports): it is only ever
inserted through autoescaping or :func:`highlight`, which escapes every piece
before wrapping criteria terms in ``<mark>``.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

__all__ = ["ENV", "flash", "highlight", "page", "render_text"]

TEMPLATES = Path(__file__).parent / "templates"
ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

STAGE_LABELS = {"title_abstract": "Title and abstract", "full_text": "Full text"}
STAGE_SLUGS = {"title_abstract": "ta", "full_text": "ft"}


def sentence(text: object) -> str:
    """Start a message with a capital and end it with a full stop."""
    out = str(text).strip()
    if out and out[-1] not in ".?!":
        out += "."
    return out[:1].upper() + out[1:]


ENV.filters["sentence"] = sentence
ENV.globals["STAGE_LABELS"] = STAGE_LABELS
ENV.globals["STAGE_SLUGS"] = STAGE_SLUGS


def render_text(name: str, **context: Any) -> str:
    """Render a template without a request (error pages of the middleware)."""
    return ENV.get_template(name).render(user=None, csrf="", message=None, **context)


class _Messages:
    """One-time messages per session, shown on the next page (in memory)."""

    def __init__(self) -> None:
        self._by_session: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def put(self, session: str, text: str, kind: str = "ok") -> None:
        with self._lock:
            self._by_session[session] = (kind, text)

    def take(self, session: str) -> tuple[str, str] | None:
        with self._lock:
            return self._by_session.pop(session, None)


MESSAGES = _Messages()


def flash(user: Any, text: str, kind: str = "ok") -> None:
    """Show ``text`` once on the user's next page (kind ``ok`` or ``error``)."""
    MESSAGES.put(user.session, text, kind)


def page(
    request: Request,
    template: str,
    *,
    user: Any = None,
    status_code: int = 200,
    csrf: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render a page for ``user`` (None before login) with its CSRF token."""
    message = MESSAGES.take(user.session) if user is not None else None
    if context.get("error"):
        message = ("error", str(context.pop("error")))
    context.pop("error", None)
    html = ENV.get_template(template).render(
        request=request,
        user=user,
        csrf=csrf if csrf is not None else (user.csrf if user is not None else ""),
        message=message,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def highlight(
    text: object, include: re.Pattern[str] | None, exclude: re.Pattern[str] | None
) -> Markup:
    """Escape ``text`` and wrap the criteria terms in ``<mark>`` elements.

    Terms of inclusion criteria get ``class="inc"``, of exclusion criteria
    ``class="exc"``; where matches overlap the earlier (then the inclusion) one
    wins. Every piece of ``text`` is escaped, so markup in it stays text.

    Examples
    --------
    >>> import re
    >>> str(highlight("<b>Randomised</b> trial", re.compile("randomised", re.I), None))
    '&lt;b&gt;<mark class="inc">Randomised</mark>&lt;/b&gt; trial'

    """
    if text is None or (isinstance(text, float) and text != text):
        return Markup("")
    text = str(text)
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in (("inc", include), ("exc", exclude)):
        if pattern is not None:
            spans += [(m.start(), m.end(), kind) for m in pattern.finditer(text)]
    spans.sort(key=lambda s: (s[0], s[2] != "inc"))
    out: list[str] = []
    at = 0
    for start, end, kind in spans:
        if start < at or end == start:
            continue
        out.append(str(escape(text[at:start])))
        out.append(f'<mark class="{kind}">{escape(text[start:end])}</mark>')
        at = end
    out.append(str(escape(text[at:])))
    return Markup("".join(out))
