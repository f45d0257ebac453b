import time

from django.core.management.base import BaseCommand, CommandError

from bench.scale import SCALES, AlreadySeeded, seed


class Command(BaseCommand):
    help = (
        "Build the benchmark data set (fixed random seed, so every run builds the same rows): "
        "40 missions, one large (300 benchmarks, ten years of monthly scores), 2,000 "
        "stakeholders, 5,000 consultations, 50,000 comments, 200,000 feedback submissions, "
        "500 users across roles, one of them in 10 missions. Bulk inserts in one transaction, "
        "through the models with valid values; no audit events, e-mails or readiness jobs are "
        "produced for seeded rows. A database already seeded is left as it is. Meant for a "
        "benchmark database, never a real one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="full",
            help="full (the issue's sizes), quick (CI's reduced run) or tiny (tests).",
        )

    def handle(self, *args, scale: str, **options):
        started = time.perf_counter()
        try:
            seed(SCALES[scale], out=self.stdout.write)
        except AlreadySeeded as seeded:
            if str(seeded) != scale:
                raise CommandError(
                    f"This database already holds the {seeded} benchmark data set; seed the "
                    f"{scale} one into another database (DATABASE_URL) or drop this one first."
                ) from None
            self.stdout.write(f"The {scale} benchmark data set is already here: nothing to do.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded the {scale} data set in {time.perf_counter() - started:.0f} s."
            )
        )
