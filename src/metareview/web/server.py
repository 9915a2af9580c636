"""Start the web app on a review folder (``metareview serve DIR``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path

from ..review.project import DATABASE, PROTOCOL, init_project
from .app import create_app
from .auth import setup_invitation

__all__ = ["LOCAL_HOSTS", "network_warning", "serve"]

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def network_warning(host: str) -> str | None:
    """Return the warning for a bind address beyond this machine, else None."""
    try:
        local = host in LOCAL_HOSTS or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if local:
        return None
    return (
        f"Warning: listening on {host} makes the review's unpublished data (records, "
        "decisions, accounts) reachable from the network. Use it only on a network "
        "you trust, behind HTTPS (a reverse proxy), and prefer 127.0.0.1."
    )


def serve(
    folder: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the review in ``folder`` with uvicorn until interrupted.

    Creates the project (``init_project``) when ``folder`` holds none, and,
    while no account exists, prints a one-time setup link for the protocol's
    first owner.
    """
    import uvicorn

    folder = Path(folder)
    if not (folder / PROTOCOL).exists() and not (folder / DATABASE).exists():
        init_project(folder)
        echo(f"Review project created in {folder}; edit {folder / PROTOCOL} next.")
    app = create_app(folder)
    warning = network_warning(host)
    if warning:
        echo(warning)
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}"
    token = setup_invitation(app.state.review)
    if token is not None:
        echo(
            "No account exists yet. Open this one-time link to set the owner's "
            f"password:\n\n    {base}/invite/{token}\n"
        )
    echo(f"Serving {folder} at {base}/ (Ctrl+C stops).")
    uvicorn.run(app, host=host, port=port, log_level="warning")
