"""Small response helpers shared by the page routes."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

__all__ = ["CSP", "DOCS_CSP", "attachment", "done"]

#: The pages' Content-Security-Policy: only this origin's scripts (htmx is vendored), no
#: inline scripts, no framing by others.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'self'"
)

#: Swagger UI at /docs: the same, plus the one inline script that starts it.
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'", 1)


def done(request: Request, location: str) -> Response:
    """The answer to a successful form post: 204 for htmx (the live stream shows the change),
    otherwise a redirect back to the page."""
    if request.headers.get("hx-request"):
        return Response(status_code=204)
    return RedirectResponse(location, status_code=303)


def attachment(text: str, media_type: str, filename: str) -> Response:
    """A download (``Content-Disposition: attachment``)."""
    return Response(
        text,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
