"""Outbound HTTP that cannot be turned against our own network.

Webhook receivers and article URLs are typed in by users, so every request
checks the address it actually connected to — after DNS, so a name that
resolves to 127.0.0.1 or 10.0.0.5 is refused too — before sending a byte.
Private, loopback, link-local and reserved addresses are refused unless the
OUTBOUND_ALLOW_PRIVATE_ADDRESSES setting is on (tests turn it on for their
local servers).
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class RefusedURL(ValueError):
    """The URL may not be fetched: wrong scheme, or a private address."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    duration_ms: int


def _check_address(host: str) -> None:
    address = ipaddress.ip_address(host.split("%")[0])
    if getattr(settings, "OUTBOUND_ALLOW_PRIVATE_ADDRESSES", False):
        return
    if not address.is_global or address.is_multicast:
        raise RefusedURL(f"refusing to connect to the non-public address {address}")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _check_address(self.sock.getpeername()[0])
        # Kept for the deadline: the connection forgets its socket once a response
        # that closes it arrives, while the response still reads from it.
        self.socket_in_use = self.sock


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        # Check the peer before the TLS handshake sends anything.
        http.client.HTTPConnection.connect(self)
        _check_address(self.sock.getpeername()[0])
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)
        self.socket_in_use = self.sock


def check_url(url: str) -> tuple[str, str, int, str]:
    """Return (scheme, host, port, path) or raise RefusedURL."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise RefusedURL(f"only http and https URLs are allowed, not {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise RefusedURL("the URL has no host")
    if parts.username or parts.password:
        raise RefusedURL("URLs with credentials are not allowed")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise RefusedURL(str(error)) from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port, path


def _check_host(host: str, port: int) -> None:
    # Fail fast with a clear reason; the peer check after connecting is what
    # stops a name that resolves differently the second time.
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise OSError(f"cannot resolve {host}: {error}") from None
    for *_, sockaddr in infos:
        _check_address(sockaddr[0])


def _check_announced(
    response: http.client.HTTPResponse, max_bytes: int, content_types: Collection[str] | None
) -> None:
    length = response.getheader("Content-Length", "")
    if length.strip().isdigit() and int(length) > max_bytes:
        raise RefusedURL(f"the response is larger than {max_bytes} bytes")
    if content_types is None or not 200 <= response.status < 300:
        return
    media_type = response.getheader("Content-Type", "").split(";")[0].strip().lower()
    if media_type not in content_types:
        raise RefusedURL(
            f"the response is {media_type or 'of no stated type'}, not one of "
            f"{', '.join(sorted(content_types))}"
        )


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
    max_bytes: int = 5_000_000,
    content_types: Collection[str] | None = None,
) -> Response:
    """Send one request without following redirects; raise RefusedURL or OSError.

    ``timeout`` is a deadline for the whole exchange — resolving, connecting, sending,
    and reading the answer to its last byte — not for each read: a server that trickles
    its answer a byte at a time is cut off when the time is up.
    With ``content_types``, a 2xx response of another media type is refused before its
    body is read; so is any response whose Content-Length exceeds ``max_bytes``.
    """
    started = time.monotonic()
    scheme, host, port, path = check_url(url)
    _check_host(host, port)
    connection_class = _GuardedHTTPSConnection if scheme == "https" else _GuardedHTTPConnection
    connection = connection_class(host, port, timeout=timeout)
    # Each socket operation also has the timeout; the timer ends the exchange as a whole.
    deadline = threading.Timer(max(0.0, timeout - (time.monotonic() - started)), _cut, [connection])
    deadline.start()
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        _check_announced(response, max_bytes, content_types)
        data = response.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise RefusedURL(f"the response is larger than {max_bytes} bytes")
        if not deadline.is_alive():
            raise TimeoutError(f"no complete answer within {timeout:g} s")
        return Response(
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
            body=data,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
    except (OSError, http.client.HTTPException) as error:
        if not deadline.is_alive():  # the timer closed the socket under a read
            raise OSError(f"TimeoutError: no complete answer within {timeout:g} s") from error
        if isinstance(error, TimeoutError | http.client.HTTPException):
            raise OSError(f"{type(error).__name__}: {error}") from error
        raise
    finally:
        deadline.cancel()
        connection.close()


def _cut(connection: http.client.HTTPConnection) -> None:
    """Shut the connection's socket down from the timer thread: a blocked read returns."""
    sock = getattr(connection, "socket_in_use", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
