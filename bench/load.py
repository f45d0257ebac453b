"""Throughput under concurrency: gunicorn on loopback driven by wrk for a fixed time.

Gunicorn runs the production settings (DEBUG off, the TLS switches off for plain HTTP on
loopback, throttling lifted) with the floors mounted (bench.settings), several sync
workers. wrk (Debian's) keeps ``connections`` requests in flight for ``duration`` seconds
per target; bench/wrk.lua reports the count and the latency percentiles. Each figure's
floor is the floor of its kind measured the same way in the same run.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

from . import measure
from .measure import API_FLOOR, PAGE_FLOOR, Context, Row

SCRIPT = Path(__file__).with_name("wrk.lua")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, workers: int):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "false"}
        folder = Path(settings.VAR_DIR) / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        self.log = open(folder / "gunicorn.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "exitplan.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {self.log.name}")
            try:
                urllib.request.urlopen(self.base + "/bench/floor/api/", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # it answers (401 without credentials)
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log.name}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def wrk(url: str, duration: int, connections: int, **env: str) -> dict:
    """One wrk run; ``env`` (method, body, cookie, auth) goes to bench/wrk.lua."""
    command = [
        "wrk",
        "--threads",
        "2",
        "--connections",
        str(connections),
        "--duration",
        f"{duration}s",
        "--timeout",
        "10s",
        "--script",
        str(SCRIPT),
        url,
    ]
    variables = {**os.environ, **{f"BENCH_{k.upper()}": v for k, v in env.items()}}
    done = subprocess.run(command, env=variables, capture_output=True, text=True, check=True)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")


def _row(name: str, result: dict, floor: Row | None, target_share: float | None = None) -> Row:
    seconds = result["duration_us"] / 1e6
    row = Row(
        name,
        rps=result["requests"] / seconds if seconds else 0.0,
        median_ms=result["p50_us"] / 1000,
        p95_ms=result["p95_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
    )
    failed = result["non2xx"] + result["socket_errors"]
    if failed:
        row.notes.append(f"{failed} of {result['requests']} requests failed")
    if floor is not None:
        row.floor = floor.rps
        row.ratio = row.rps / floor.rps if floor.rps else None
        row.notes.append("ratio = throughput share of the floor's")
        if target_share is not None:
            row.target = f"rps ≥ {target_share:g}× {floor.name}"
            row.met = bool(row.ratio is not None and row.ratio >= target_share and not failed)
    elif failed:
        row.met = False
    return row


def available() -> str | None:
    """Why the load test cannot run here, or None."""
    if shutil.which("wrk") is None:
        return "wrk is not installed (Debian: apt-get install wrk)"
    if not Path(sys.executable).with_name("gunicorn").exists():
        return "gunicorn is not installed in this environment"
    return None


def run(ctx: Context, duration: int, connections: int, workers: int, out=print) -> list[Row]:
    """Each target right after its floor, so both see the same load from the rest of the
    machine; the floor rows are the first floor runs, each target's ``floor`` the one
    measured just before it."""
    page_cookie = "; ".join(f"{k}={v.value}" for k, v in ctx.pages[ctx.actor.pk].cookies.items())
    token = f"Token {ctx.keys[ctx.actor.pk]}"
    out(f"load: gunicorn with {workers} workers, wrk {connections} connections × {duration} s")
    server = Server(workers)
    base = server.base
    page_floor = {"url": base + "/bench/floor/page/", "cookie": page_cookie}
    api_floor = {"url": base + "/bench/floor/api/", "auth": token}
    targets = [
        ("load: dashboard", page_floor, {"url": f"{base}/missions/{ctx.large.code}/",
                                         "cookie": page_cookie}, None),
        ("load: api scores, page of 50", api_floor,
         {"url": f"{base}/api/v1/missions/{ctx.large.code}/scores/", "auth": token}, None),
        ("load: public form POST", api_floor,
         {"url": f"{base}/api/v1/public/forms/{ctx.post_form.public_token}/",
          "method": "POST", "body": ctx.post_body()}, 0.5),
    ]  # fmt: skip
    targets = [t for t in targets if measure.wanted(t[0])]
    if not targets:
        return []
    rows: list[Row] = []
    floors: dict[str, Row] = {}
    try:
        # A short pass first: each worker imports lazily and opens its connection.
        wrk(duration=1, connections=connections, **page_floor)
        wrk(duration=1, connections=connections, **api_floor)
        for name, floor_target, target, share in targets:
            floor_name = "load: " + (PAGE_FLOOR if floor_target is page_floor else API_FLOOR)
            floor = _row(floor_name, wrk(duration=duration, connections=connections,
                                         **floor_target), None)  # fmt: skip
            if floor_name not in floors:
                floors[floor_name] = floor
                rows.append(floor)
            out(f"  {name} …")
            rows.append(
                _row(name, wrk(duration=duration, connections=connections, **target), floor, share)
            )
        return rows
    finally:
        server.stop()
