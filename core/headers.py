"""Security headers on every response: a CSP without inline scripts, no framing, HSTS on https.

Pages load scripts and styles only from the app's own static files (no inline <script>, no on*=
handlers, no style= attributes), so the policy needs no 'unsafe-inline'. Audio may also come from
PUBLIC_BASE_URL (signed media links carry it) and from blob: (a recording previewed before upload).
"""

from urllib.parse import urlsplit

from flask import Flask, request

HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(public_base_url: str) -> str:
    """The policy: this site only, audio also from the public URL and blob:, never framed."""
    parts = urlsplit(public_base_url)
    public = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"media-src 'self' blob: {public}".rstrip(),
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_app(app: Flask) -> None:
    """Add the headers to every response (a view's own headers win)."""
    policy = content_security_policy(app.config["PUBLIC_BASE_URL"])

    @app.after_request
    def secure(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), geolocation=(), microphone=(self)")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
