from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exitplan.errors import Conflict
from missions.demo import demo_seed


class Command(BaseCommand):
    help = (
        "Load demo data of real peacekeeping missions (MINUSMA, UNIFIL, UNMIL, MONUSCO) and "
        "demo users of every role. Missions that already exist are skipped and existing "
        "users are left as they are, so running it again changes nothing."
    )

    def handle(self, *args, **options):
        try:
            result = demo_seed()
        except (ValidationError, Conflict) as error:
            # Each mission is its own transaction: the ones before this one stay.
            raise CommandError(f"Demo data could not be loaded: {error}") from error

        for mission in result.created:
            self.stdout.write(
                f"  created  {mission.code:<8} {mission.get_status_display().lower():<8} "
                f"{mission.phases.count()} phases, {mission.benchmarks.count()} benchmarks, "
                f"{mission.stakeholders.count()} stakeholders, "
                f"{mission.consultations.count()} consultations, "
                f"{mission.assessments.count()} assessments"
            )
        for code in result.skipped:
            self.stdout.write(f"  skipped  {code:<8} already exists")
        self.stdout.write(
            self.style.SUCCESS(
                f"Missions: {len(result.created)} created, {len(result.skipped)} skipped."
            )
        )

        self.stdout.write("\nDemo users (sign in with the e-mail address and password):")
        rows = [("E-mail", "Password", "Roles")] + [
            (row.email, row.password, row.roles) for row in result.users
        ]
        email_width = max(len(row[0]) for row in rows)
        password_width = max(len(row[1]) for row in rows)
        for email, password, roles in rows:
            self.stdout.write(f"  {email:<{email_width}}  {password:<{password_width}}  {roles}")
