"""Load on the production shape: locust against one, then two gunicorn instances behind nginx.

Starts what `make prod-check` starts (deploy/shape.py: PostgreSQL's own database ``ovoz_loadbench``,
a Redis of its own, ``ovoz migrate``, ``seed``, ``collectstatic``, gunicorn from the ExecStart line of
deploy/systemd/ovoz-web@.service, one RQ worker, nginx from deploy/nginx/ovoz.conf over HTTPS), all on
loopback, then runs locust headless for ``--seconds`` against nginx with one gunicorn behind it, adds
the second one (nginx reloads its configuration) and runs it again; ``--rounds`` such pairs, one
and two alternated, so that a moment when the machine is busy elsewhere does not decide the ratio. The users (bench/load_users.py)
mix intake by the web form, the API and the SMS webhook, following a concern with its receipt,
public pages and the map's API. Prints requests per second, p50/p95/p99 and errors for each run and
the ratio two/one, and checks in the database that every accepted report is stored once: none lost,
none doubled. It is a benchmark, not a test: numbers depend on the machine (two gunicorn instances
help only where there are cores to run them).

    pip install -e '.[production,bench]'
    python bench/load.py [--seconds 30] [--users 30] [--rounds 2] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))

import shape  # noqa: E402  (deploy/shape.py, shared with make prod-check)

DATABASE = "ovoz_loadbench"
INTAKE = ("POST /en/report/", "POST /api/v1/concerns", "POST sms webhook")


def locust_run(
    run: str, *, url: str, sms: dict[str, str], options: argparse.Namespace, temp: Path, sms_base: int
) -> dict[str, object]:
    """One headless locust run; its aggregated figures, per-request rows and the accepted reports."""
    prefix = temp / f"locust-{run}"
    accepted_file = temp / f"accepted-{run}.json"
    env = dict(
        os.environ,
        LOAD_RUN=run,
        LOAD_HOST_HEADER=url.removeprefix("https://").replace("127.0.0.1", "localhost"),
        LOAD_SMS_PATH=sms["path"],
        LOAD_SMS_SECRET=sms["secret"],
        LOAD_ACCEPTED_FILE=str(accepted_file),
        LOAD_SMS_NUMBER_BASE=str(sms_base),
    )
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "load_users.py"), "--headless",
        "--users", str(options.users), "--spawn-rate", str(options.users), "--run-time", f"{options.seconds}s",
        "--stop-timeout", "10", "--host", url, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    instances = run.split("-")[0]
    shape.say(f"locust run {run}: {options.users} users for {options.seconds} s, {instances} gunicorn behind nginx")
    with (temp / "logs" / f"locust-{run}.log").open("w") as log:
        subprocess.run(command, env=env, cwd=temp, check=False, stdout=log, stderr=subprocess.STDOUT)
    with (prefix.parent / f"{prefix.name}_stats.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    accepted = json.loads(accepted_file.read_text()) if accepted_file.exists() else []
    return {"rows": rows, "accepted": accepted}


WARM_PATHS = ["/en/", "/en/concerns/", "/en/map/", "/en/dashboard/", "/en/report/", "/en/follow/"]
WARM_PATHS += ["/api/v1/stats/areas?level=region", "/api/v1/stats/areas?level=district"]


def warm_up(port: int, *, rounds: int = 3, threads: int = 8) -> None:
    """Requests straight to one gunicorn until each of its processes has loaded what a first request
    loads (URLs, templates, catalogs), so that the runs measure a server at work, not one starting."""
    import concurrent.futures
    import urllib.request

    def fetch(path: str) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", headers={"Host": "localhost", "X-Forwarded-Proto": "https"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            response.read()

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(fetch, [path for _ in range(rounds * threads // 2) for path in WARM_PATHS]))


def stored_check(run: str, accepted: list[str]) -> str:
    """Each accepted report of ``run`` in the database exactly once; a line saying so, or SystemExit."""
    import psycopg

    with psycopg.connect(f"{shape.POSTGRES}/{DATABASE}") as connection:
        stored = connection.execute(
            "SELECT text, count(*) FROM concerns_concern WHERE text LIKE %s GROUP BY text", [f"load-{run} %"]
        ).fetchall()
    counts: dict[str, int] = dict(stored)
    lost = sorted(set(accepted) - set(counts))
    doubled = sorted(text for text, count in counts.items() if count > 1)
    unexpected = sorted(set(counts) - set(accepted))
    verdict = "none lost or doubled" if not (lost or doubled or unexpected) else "MISMATCH"
    return (
        f"{len(accepted)} reports accepted, {sum(counts.values())} stored ({verdict}; lost {len(lost)}, "
        f"doubled {len(doubled)}, stored but not answered {len(unexpected)})"
    )


def figures(rows: list[dict[str, str]], name: str = "Aggregated") -> dict[str, float]:
    (row,) = [row for row in rows if row["Name"] == name]
    return {
        "requests": float(row["Request Count"]),
        "errors": float(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p95": float(row["95%"]),
        "p99": float(row["99%"]),
    }


def table(results: dict[str, dict[str, object]]) -> None:
    print(f"\n{'run':<10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for run, result in results.items():
        row = figures(result["rows"])  # type: ignore[arg-type]
        print(
            f"{run:<10} {row['requests']:>9.0f} {row['rps']:>8.1f} {row['p50']:>8.0f} {row['p95']:>8.0f} "
            f"{row['p99']:>8.0f} {row['errors']:>7.0f}"
        )
    rates = {
        label: statistics.median(
            figures(result["rows"])["rps"] for run, result in results.items() if run.startswith(label)
        )  # type: ignore[arg-type]
        for label in ("one", "two")
        if any(run.startswith(label) for run in results)
    }
    if len(rates) == 2:
        print(f"ratio two/one (median req/s of each): {rates['two'] / rates['one']:.2f}")
    for run, result in results.items():
        print(f"\n{run}: per request")
        for row in result["rows"]:  # type: ignore[attr-defined]
            if row["Name"] != "Aggregated":
                data = figures(result["rows"], row["Name"])  # type: ignore[arg-type]
                print(
                    f"  {row['Name']:<42} {data['requests']:>7.0f} {data['rps']:>7.1f}/s p50 {data['p50']:>5.0f} "
                    f"p95 {data['p95']:>5.0f} p99 {data['p99']:>5.0f} errors {data['errors']:.0f}"
                )
        print(f"  database: {result['stored']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=30, help="length of each run (default 30)")
    parser.add_argument("--users", type=int, default=30, help="simulated users, each from its own address")
    parser.add_argument("--rounds", type=int, default=2, help="one-two pairs of runs, alternated (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and the database")
    options = parser.parse_args()
    shape.PREFIX[0] = "load"
    temp = shape.shape_folders("ovoz-load-")
    shape.postgres_up()
    shape.database_create(DATABASE)
    ports = {name: shape.free_port() for name in ("redis", "http", "https", "web1", "web2", "smtp")}
    unlimited = str(10**9)  # the bench's users report and follow far more than any person would
    env = shape.shape_environment(
        temp, ports, DATABASE, OVOZ_INTAKE_LIMIT=unlimited, OVOZ_SUPPORT_LIMIT=unlimited, OVOZ_FOLLOW_ATTEMPTS=unlimited
    )
    stack = shape.Stack(temp, env)
    results: dict[str, dict[str, object]] = {}
    faults: list[str] = []
    failed = True
    try:
        bin_dir, ovoz = shape.ovoz_installed(temp, sys.executable, wheel=False, env=env)
        shape.shape_prepare(stack, ovoz, ports)
        created = shape.run(
            [*ovoz, "channel-create", "--kind", "generic", "--name", "load"]
            + ["--option", "reply_url=http://127.0.0.1:9/send", "--json"],
            env=env,
            cwd=temp / "var",
            what="SMS channel",
        )
        channel = json.loads(created[created.index("{") :])
        sms = {"path": f"/channels/sms/{channel['id']}/", "secret": str(channel["secret"])}
        shape.web_start(stack, bin_dir, "web1", ports["web1"])
        stack.start("worker", shape.exec_start("ovoz-worker@.service", **{shape.UNIT_BIN: f"{bin_dir}/"}))
        shape.nginx_start(stack, ports, [ports["web1"]])
        for port in (ports["web1"], ports["https"]):
            shape.wait_for_port(port, stack)
        url = f"https://127.0.0.1:{ports['https']}"
        shape.https_ready(f"https://localhost:{ports['https']}", stack)
        sequence = [("one", [ports["web1"]]), ("two", [ports["web1"], ports["web2"]])] * options.rounds
        behind_nginx = 1
        for index, (label, instances) in enumerate(sequence):
            run = f"{label}-{index // 2 + 1}"
            if len(instances) == 2 and not any(name == "web2" for name, _ in stack.processes):
                shape.web_start(stack, bin_dir, "web2", ports["web2"])
                shape.wait_for_port(ports["web2"], stack)
            if len(instances) != behind_nginx:
                cert, key = temp / "tls" / "cert.pem", temp / "tls" / "key.pem"
                shape.nginx_conf(
                    temp, http=ports["http"], https=ports["https"], web_ports=instances, cert=cert, key=key
                )
                nginx = next(process for name, process in stack.processes if name == "nginx")
                nginx.send_signal(signal.SIGHUP)  # nginx reads its configuration again
                time.sleep(2)
                shape.https_ready(f"https://localhost:{ports['https']}", stack)
                behind_nginx = len(instances)
            for port in instances:
                warm_up(port)
            result = locust_run(run, url=url, sms=sms, options=options, temp=temp, sms_base=1_000_000 * (index + 1))
            stack.check_alive()
            result["stored"] = stored_check(run, result["accepted"])  # type: ignore[arg-type]
            results[run] = result
        # The bench's own verdict: no error answered, every accepted report stored exactly once.
        faults = [
            run
            for run, result in results.items()
            if figures(result["rows"])["errors"] or "MISMATCH" in str(result["stored"])  # type: ignore[arg-type]
        ]
        failed = False
    finally:
        stray = stack.stop()
        if options.keep:
            shape.say(f"kept {temp} and the database {DATABASE}")
        else:
            shutil.rmtree(temp, ignore_errors=True)
            shape.database_drop(DATABASE)
    if results:
        table(results)
    print(f"\nmachine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    if stray:
        print(f"processes left behind by {', '.join(stray)} (killed)")
    if faults:
        print(f"errors, or reports lost or doubled, in run(s) {', '.join(faults)}")
    return 1 if failed or stray or faults else 0


if __name__ == "__main__":
    sys.exit(main())
