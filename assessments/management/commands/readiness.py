import datetime

from django.core.management.base import BaseCommand, CommandError

from assessments.selectors import mission_today
from assessments.services import readiness_figures
from missions.models import Mission


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


class Command(BaseCommand):
    help = "Print a mission's readiness figures, gates and blockers (computed, not stored)."

    def add_arguments(self, parser):
        parser.add_argument("mission", help="mission code, e.g. monusco")
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args, mission, as_of, **options):
        found = Mission.objects.filter(code=mission).first()
        if found is None:
            raise CommandError(f"No mission with code {mission!r}.")
        figures = readiness_figures(mission=found, as_of=as_of or mission_today(found))
        out = self.stdout.write
        out(f"{found.name} — readiness as of {figures['as_of']}")
        out(
            f"Readiness {figures['readiness']}  confidence {figures['confidence']}  "
            f"flags {', '.join(figures['flags']) or '—'}"
        )
        out("")
        out("Categories")
        for line in _table(
            [[k, v] for k, v in figures["categories"].items()], ["category", "readiness"]
        ):
            out("  " + line)
        out("")
        out("Objectives")
        rows = [
            [o["id"], o["category"], o["readiness"], ",".join(o["flags"]) or "", o["title"][:60]]
            for o in figures["objectives"]
        ]
        for line in _table(rows, ["id", "category", "readiness", "flags", "title"]):
            out("  " + line)
        out("")
        out("Benchmarks")
        rows = []
        for b in figures["benchmarks"]:
            latest = b["latest"] or {}
            shown = latest.get("value") or latest.get("rating") or "—"
            rows.append(
                [
                    b["code"],
                    b["progress"],
                    "yes" if b["met"] else "no",
                    ",".join(b["flags"]),
                    shown,
                    latest.get("as_of") or "—",
                ]
            )
        for line in _table(rows, ["code", "progress", "met", "flags", "latest", "as of"]):
            out("  " + line)
        out("")
        out("Gates")
        rows = [
            [g["phase"], "open" if g["open"] else "closed", ",".join(g["reasons"])]
            for g in figures["gates"]
        ]
        for line in _table(rows, ["phase", "gate", "reasons"]):
            out("  " + line)
        out("")
        out("Blockers")
        rows = [[b["benchmark"], b["share"], b["reason"]] for b in figures["blockers"]]
        for line in _table(rows, ["benchmark", "share", "reason"]):
            out("  " + line)
        projection = figures["projection"] or {}
        out("")
        out(f"Projection: {projection.get('status', '—')} {projection.get('date') or ''}".rstrip())
