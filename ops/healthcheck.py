"""Probe /healthz from inside the web container: `python -m ops.healthcheck [URL]`.

The docker-compose healthcheck runs this. Standard library only, so it starts in
a fraction of a second and does not load Django. Exit status 0 when /healthz
answers 200, 1 otherwise.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def probe_host(allowed_hosts: str) -> str:
    """Return a Host header Django will accept: the first concrete ALLOWED_HOSTS entry.

    Django answers 400 to a Host it does not serve, and production sets
    ALLOWED_HOSTS to the public name only, so "127.0.0.1" would be refused.
    """
    for entry in allowed_hosts.split(","):
        host = entry.strip().lstrip(".")  # ".example.org" also matches example.org
        if host and host != "*":
            return host
    return "localhost"


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    host = probe_host(os.environ.get("ALLOWED_HOSTS", ""))
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 - fixed http URL
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as error:
        print(error.code, error.read().decode())
    except OSError as error:
        print(f"no answer from {url}: {error}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
