"""Helpers shared by the ingestion tests: a local web server that serves pages."""

from __future__ import annotations

import http.server
import threading

ARTICLE_HTML = """<!doctype html>
<html><head><title>Talks resume in Doha</title>
<meta property="article:published_time" content="2024-08-21"></head>
<body><nav>Home | World | Politics</nav>
<article><h1>Talks resume in Doha</h1>
<p>US Secretary of State Antony Blinken said on Monday that Israel had accepted the bridging
proposal, and that the mediators would keep pressing both sides to close the remaining gaps
before the end of the month.</p>
<p>Senior Hamas official Osama Hamdan told reporters on Tuesday that the group rejects any text
that keeps Israeli troops inside the Philadelphi Corridor, calling the new conditions a step
back from what had been agreed earlier in the summer.</p>
<p>Diplomats in the region said further meetings were expected in Cairo, where the Egyptian
hosts hope to narrow the differences on the sequencing of the hostage releases.</p>
</article><footer>Copyright</footer></body></html>"""


class Pages:
    """A local HTTP server answering GETs from a table: path → (status, headers, body).

    A path may map to a list of answers, served in turn (the last one repeats).
    """

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, dict[str, str], bytes]]] = {}
        self.hits: list[str] = []
        pages = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                pages.hits.append(self.path)
                answers = pages.routes.get(self.path) or [(404, {}, b"")]
                status, headers, body = answers.pop(0) if len(answers) > 1 else answers[0]
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path: str, *answers: tuple[int, dict[str, str], bytes]) -> str:
        self.routes[path] = list(answers)
        return self.base + path

    def html(self, path: str, body: str = ARTICLE_HTML) -> str:
        return self.add(path, (200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
