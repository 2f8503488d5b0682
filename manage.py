#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # manage.py is the developer's tool: development mode unless DEBUG says
    # otherwise. The servers (config/wsgi.py, asgi.py) stay secure by default,
    # and deployments run commands with DEBUG=false (docker-compose.yml).
    os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
