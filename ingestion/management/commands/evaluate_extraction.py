"""Print how well the extractor does on the labelled evaluation set."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ingestion.evaluation import FIELDS, evaluate


class Command(BaseCommand):
    help = (
        "Run the statement extractor over ingestion/evaluation/articles.yaml and print "
        "precision and recall for speaker, side, date and stance."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--verbose-misses", action="store_true", help="List every miss and false candidate."
        )
        parser.add_argument(
            "--min-speaker",
            type=float,
            default=0.0,
            help="Fail (exit 1) when speaker precision or recall is below this, e.g. 0.9.",
        )

    def handle(self, *args, **options) -> None:
        report = evaluate()
        self.stdout.write(
            f"{'field':<8} {'precision':>9} {'recall':>7}   (correct/predicted, correct/expected)"
        )
        for name in FIELDS:
            score = report.scores[name]
            self.stdout.write(
                f"{name:<8} {score.precision:>9.2f} {score.recall:>7.2f}   "
                f"({score.correct_predicted}/{score.predicted}, "
                f"{score.correct_expected}/{score.expected})"
            )
        if options["verbose_misses"]:
            for line in report.misses:
                self.stdout.write(f"  - {line}")
        speaker = report.scores["speaker"]
        if min(speaker.precision, speaker.recall) < options["min_speaker"]:
            raise CommandError(
                f"Speaker precision/recall below {options['min_speaker']}: "
                f"{speaker.precision:.2f}/{speaker.recall:.2f}"
            )
