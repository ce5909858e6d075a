"""TLS for the poller's https endpoints: one verifying context, and a failed handshake named as a TLS error.

The context is the standard library's default, as aiohttp's was: the system's CA store (SSL_CERT_FILE and
SSL_CERT_DIR apply), host names checked, TLS 1.2 at least. The config has no option to turn verification off or
name another CA; a caller (a test) may pass its own context to probes.http.client.make_client.
"""

from __future__ import annotations

import re
import ssl
import threading

from probes.http.wire import FetchError
from probes.model import ProbeError
from probes.text.sanitize import clean

_context: ssl.SSLContext | None = None
_lock = threading.Lock()
_TAG = re.compile(r"^\[SSL(: [A-Z0-9_]+)?\] ")
_SOURCE = re.compile(r" \(_ssl\.c:\d+\)$")


def verifying_context() -> ssl.SSLContext:
    """The shared default context, made on first use (loading the CA store takes a few ms)."""
    global _context
    with _lock:
        if _context is None:
            _context = ssl.create_default_context()
        return _context


def tls_reason(exc: ssl.SSLError) -> str:
    """What went wrong in a handshake, without OpenSSL's library tag and source line."""
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return clean(f"certificate verify failed: {exc.verify_message}", 200)
    text = exc.strerror if isinstance(exc.strerror, str) else str(exc)
    return clean(_SOURCE.sub("", _TAG.sub("", text)) or str(exc.reason), 200)


def tls_failure(where: str, exc: ssl.SSLError) -> FetchError:
    """A handshake that failed (a bad certificate, a server that does not speak TLS) as the row shows it."""
    return FetchError(ProbeError("tls", f"TLS error: {where} [{tls_reason(exc)}]"))
