from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks' synthetic-data generator, as `manage.py generate_synthetic`."""

    name = "bench"
