"""Behind a proxy a user is locked out from their own address, not the proxy's; and no
slow server can hold an outbound request (a fetch, a webhook) past its deadline."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from config.celery import app
from core import http

ADMIN_LOGIN = "/admin/login/?next=/admin/"


def login(client: Client, password: str, forwarded: str):
    return client.post(
        ADMIN_LOGIN,
        {"username": "ed", "password": password},
        REMOTE_ADDR="10.0.0.1",  # the proxy
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.fixture
def editor(django_user_model, settings):
    settings.AXES_FAILURE_LIMIT = 3
    return django_user_model.objects.create_user("ed", password="right-pw", is_staff=True)


@pytest.mark.django_db
def test_behind_a_trusted_proxy_an_attacker_does_not_lock_the_user_out(editor, settings):
    settings.TRUSTED_PROXIES = 1
    for _ in range(3):
        login(Client(), "guess", "203.0.113.9")  # the attacker
    assert login(Client(), "guess", "203.0.113.9").status_code == 429
    # The user, behind the same proxy, from their own address.
    assert login(Client(), "right-pw", "198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forged_header_changes_nothing(editor, settings):
    settings.TRUSTED_PROXIES = 0
    for forged in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        login(Client(), "guess", forged)
    # Locked from the address the app sees, whatever each request claimed to be.
    assert login(Client(), "right-pw", "198.51.100.7").status_code == 429


@pytest.mark.django_db
def test_a_client_cannot_choose_its_address_by_writing_more_forwarded_addresses(editor, settings):
    settings.TRUSTED_PROXIES = 1
    for _ in range(3):
        login(Client(), "guess", "203.0.113.9")
    # The client prepends a fake address; the proxy appends the real one: still locked.
    assert login(Client(), "right-pw", "198.51.100.7, 203.0.113.9").status_code == 429


class Trickle(BaseHTTPRequestHandler):
    """Answers with a chunk every half second, forever."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            while True:
                self.wfile.write(b"1\r\nx\r\n")
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:
            return

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def trickle():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_a_trickling_server_is_cut_off_at_the_deadline(trickle, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    started = time.monotonic()
    with pytest.raises(OSError, match=r"no complete answer within 1\.5 s"):
        http.request("GET", trickle, timeout=1.5)
    assert time.monotonic() - started < 3


@pytest.mark.django_db
def test_a_webhook_to_a_trickling_receiver_gives_up_at_the_deadline(trickle, settings):
    from negotiations.models import Delivery, Subscription
    from negotiations.webhooks import attempt

    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    delivery = Delivery.objects.create(
        subscription=Subscription.objects.create(url=trickle),
        event_id="e1",
        payload={"statement_id": 0},
    )
    started = time.monotonic()
    log = attempt(delivery)
    assert time.monotonic() - started < 3
    assert "no complete answer within 1 s" in log.error


def test_every_task_has_a_time_limit():
    assert app.conf.task_soft_time_limit and app.conf.task_time_limit
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    rebuild = app.tasks["negotiations.tasks.rebuild_positions"]
    assert rebuild.soft_time_limit > app.conf.task_soft_time_limit
