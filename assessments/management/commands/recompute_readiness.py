from django.core.management.base import BaseCommand, CommandError

from assessments.services import readiness_snapshot_create
from missions.models import Mission


class Command(BaseCommand):
    help = "Store a fresh readiness snapshot for the given missions (default: every open one)."

    def add_arguments(self, parser):
        parser.add_argument("missions", nargs="*", metavar="MISSION", help="mission codes")

    def handle(self, *args, missions, **options):
        if missions:
            found = {m.code: m for m in Mission.objects.filter(code__in=missions)}
            unknown = sorted(set(missions) - set(found))
            if unknown:
                raise CommandError(f"No mission with code: {', '.join(unknown)}")
            selected = [found[code] for code in missions]
        else:
            selected = list(Mission.objects.open().order_by("code"))
        for mission in selected:
            snapshot = readiness_snapshot_create(mission=mission)
            self.stdout.write(
                f"{mission.code}: readiness {snapshot.readiness} "
                f"(confidence {snapshot.confidence}) as of {snapshot.as_of}"
            )
        self.stdout.write(self.style.SUCCESS(f"{len(selected)} mission(s) recomputed."))
