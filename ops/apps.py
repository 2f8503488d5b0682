from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Parley: backup and restore, health checks."""

    name = "ops"
