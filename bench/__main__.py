"""python -m bench: run the benchmark suite against the configured database.

`make bench` seeds the full data set (manage.py seed_scale) and runs this with production
settings except TLS; `make bench-quick` does the same at CI's reduced scale. Writes a list
of rows (see bench.measure.ROW_KEYS) to var/bench/results.json and prints a table. Targets
are reported, never enforced: the exit status says only whether the run completed and its
rows are well formed.
"""

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
django.setup()

from django.conf import settings  # noqa: E402

from bench import load, measure, scale  # noqa: E402
from bench.report import check_rows, table  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="timed calls per figure")
    parser.add_argument("--import-runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per target")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--no-load", action="store_true", help="skip gunicorn + wrk")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="WORD",
        help="measure only figures whose names contain WORD (repeatable; floors always run)",
    )
    parser.add_argument(
        "--output", type=Path, default=Path(settings.VAR_DIR) / "bench" / "results.json"
    )
    if argv is None:  # `make bench BENCH_ARGS="…"` passes options through the environment
        argv = sys.argv[1:] + shlex.split(os.environ.get("BENCH_ARGS", ""))
    args = parser.parse_args(argv)

    seeded = scale.seeded_scale()
    if seeded is None:
        print("No benchmark data here: run `manage.py seed_scale` first.", file=sys.stderr)
        return 2
    print(f"benchmark data set: {seeded}; database: {settings.DATABASES['default']['NAME']}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if not args.no_load and (reason := load.available()):
        print(f"The load test cannot run: {reason}.", file=sys.stderr)
        return 2
    measure.ONLY[:] = args.only
    ctx = measure.Context()
    rows = measure.run(ctx, args.runs, scale.SCALES[seeded].import_rows, args.import_runs)
    if not args.no_load:
        rows += load.run(ctx, args.duration, args.connections, args.workers)
    data = [row.as_dict() for row in rows]
    problems = check_rows(data, load=not args.no_load, complete=not args.only)
    args.output.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(table(data))
    print(f"written to {args.output}")
    if problems:
        print("malformed results:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    return 0


sys.exit(main())
