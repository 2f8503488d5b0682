"""Hostile clients: password guessing is throttled in the admin and the API."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/?next=/admin/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def editor(django_user_model, settings):
    settings.AXES_FAILURE_LIMIT = 3
    return django_user_model.objects.create_user("ed", password="right-pw", is_staff=True)


def admin_login(client: Client, username: str, password: str):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password})


def test_the_admin_locks_out_a_guessed_username_even_with_the_right_password(editor):
    client = Client()
    for _ in range(2):
        response = admin_login(client, "ed", "guess")
        assert response.status_code == 200  # the form says the password is wrong
    assert admin_login(client, "ed", "guess").status_code == 429  # the third failure
    locked = admin_login(client, "ed", "right-pw")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out with it.
    other = Client()
    assert admin_login(other, "someone-else", "guess").status_code == 200


def test_a_success_before_the_limit_resets_the_count(editor):
    client = Client()
    for _ in range(2):
        admin_login(client, "ed", "guess")
    assert admin_login(client, "ed", "right-pw").status_code == 302
    for _ in range(2):
        assert admin_login(Client(), "ed", "guess").status_code == 200


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_the_token_endpoint_locks_out_password_guessing(editor):
    client = APIClient()
    for _ in range(2):
        response = client.post(TOKEN, HTTP_AUTHORIZATION=basic("ed", "guess"))
        assert response.status_code == 401
    client.post(TOKEN, HTTP_AUTHORIZATION=basic("ed", "guess"))
    response = client.post(TOKEN, HTTP_AUTHORIZATION=basic("ed", "right-pw"))
    assert response.status_code == 429
    assert "token" not in response.json()
    assert "Too many failed logins" in response.json()["errors"][0]["detail"]
    assert int(response["Retry-After"]) > 0


SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "GitHub token": re.compile(r"gh[pousr]_[A-Za-z0-9]{30,}"),
    "Slack token": re.compile(r"xox[baprs]-[A-Za-z0-9-]{10,}"),
    # A real-looking key; the development placeholders say they are not one.
    "Django secret key": re.compile(
        r"SECRET_KEY\s*=\s*['\"](?!change-me|insecure-|x{10})[^'\"]{30,}['\"]"
    ),
}


def test_no_secrets_are_committed():
    root = Path(__file__).resolve().parent.parent
    try:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    found = []
    for name in listed:
        path = root / name
        if not path.is_file() or path.suffix in {".png", ".sqlite3"}:
            continue
        text = path.read_text(errors="ignore")
        found += [
            f"{name}: {kind}" for kind, pattern in SECRET_PATTERNS.items() if pattern.search(text)
        ]
    assert found == []
