from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from bench import synthetic


class Command(BaseCommand):
    help = (
        "Load synthetic negotiations, statements and claims for benchmarks (PostgreSQL only), "
        "then build the positions and refresh the planner's statistics."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--negotiations", type=int, default=10)
        parser.add_argument("--statements", type=int, default=100_000, help="In all.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")

    def handle(self, *args, negotiations: int, statements: int, seed: int, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_synthetic loads with PostgreSQL's COPY; the database here is "
                f"{connection.vendor}. Point DATABASE_URL at PostgreSQL "
                "(postgres://postgres@127.0.0.1:5432/NAME)."
            )
        if negotiations < 1 or statements < negotiations:
            raise CommandError("Give at least one negotiation and one statement per negotiation.")
        verbosity = options.get("verbosity", 1)
        quiet = verbosity == 0
        started = time.monotonic()
        with tqdm(
            total=statements, unit="statement", disable=quiet, file=sys.stderr, desc="load"
        ) as bar:
            counts = synthetic.generate(
                negotiations=negotiations, statements=statements, seed=seed, progress=bar.update
            )
        loaded = time.monotonic()
        with tqdm(unit="pair", disable=quiet, file=sys.stderr, desc="positions") as bar:
            position_count = synthetic.build_positions(progress=bar.update)
        built = time.monotonic()
        synthetic.analyze()
        done = time.monotonic()
        if verbosity:
            self.stdout.write(
                f"Loaded {counts.negotiations} negotiations, {counts.statements} statements, "
                f"{counts.claims} claims, {counts.sources} sources in {loaded - started:.1f} s; "
                f"{position_count} positions in {built - loaded:.1f} s; "
                f"VACUUM ANALYZE in {done - built:.1f} s; {done - started:.1f} s in all."
            )
