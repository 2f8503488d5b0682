"""Settings for `make bench`: production mode over plain HTTP, no throttling in the way,
and one extra URL, a trivial view, for the framework's floor."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
