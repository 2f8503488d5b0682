from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from negotiations import positions
from negotiations.models import Negotiation


class Command(BaseCommand):
    help = "Throw away the stored positions and derive them again from the published claims."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--negotiation", help="Slug of one negotiation (default: all).")

    def handle(self, *args, negotiation: str | None = None, verbosity: int = 1, **options):
        scope = None
        if negotiation:
            try:
                scope = Negotiation.objects.get(slug=negotiation)
            except Negotiation.DoesNotExist:
                raise CommandError(f"No negotiation with the slug {negotiation!r}.") from None
        total = len(positions.all_keys(scope))
        with tqdm(total=total, unit="pair", disable=verbosity == 0, file=sys.stderr) as bar:
            count = positions.rebuild(scope, progress=bar.update)
        if verbosity:
            self.stdout.write(f"Rebuilt {count} positions over {total} actor/target pairs.")
