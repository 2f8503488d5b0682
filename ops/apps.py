from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Parley: health checks, the worker heartbeat, backup and restore."""

    name = "ops"

    def ready(self) -> None:
        from ops import signals  # noqa: F401 - connects the worker_ready heartbeat
