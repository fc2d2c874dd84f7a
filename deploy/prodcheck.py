"""`make prod-check`: start Ovoz's production shape on this machine without systemd, test it, stop it.

What runs is what deploy/ describes: nginx with deploy/nginx/ovoz.conf (its ports, certificate and
folders replaced by throwaway ones; nothing else changed) in front of two gunicorn instances started
with the ExecStart line of deploy/systemd/ovoz-web@.service, one RQ worker and the scheduler started
with theirs. PostgreSQL is the machine's (started if down, as .ci/run does) with a database of its
own (ovoz_prodcheck, made anew); Redis is a server of its own on a free port, so that nothing here
touches the Redis other work on this machine uses. Every folder is under one temporary directory.

Before the worker and the scheduler start, deploy/upgrade_under_load.py takes the database back before
the newest migrations of a few apps and applies them again while intake runs through nginx: no
request may fail, no concern be lost or doubled. The scheduler's daily backup is then restored into a
scratch database by `ovoz restore-drill` beside the tests, and its counts compared table by table.

Then the tests of ovoz/operations/tests/test_production_shape*.py run against it (browser journeys
through nginx over HTTPS, the shared state of the two instances, headers), `ovoz check --deploy`
must print no issue, nginx's logs must hold no client address, and everything started is stopped:
a process left behind is an error.

    python deploy/prodcheck.py [--keep] [--wheel] [PYTEST ARGS...]
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # its neighbours in deploy/, however it is loaded

from shape import (
    POSTGRES,
    ROOT,
    UNIT_BIN,
    Background,
    Stack,
    database_create,
    database_drop,
    exec_start,
    free_port,
    https_ready,
    nginx_start,
    ovoz_installed,
    postgres_up,
    say,
    shape_environment,
    shape_folders,
    shape_prepare,
    wait_for_port,
    web_start,
)
from upgrade_under_load import migrate_under_load

DATABASE = "ovoz_prodcheck"
TESTS = ["ovoz/operations/tests/test_production_shape.py", "ovoz/operations/tests/test_production_journeys.py"]


def backup_keypair(temp: Path) -> str:
    """A backup keypair for this check: the private key in a file (for the drill), the public key returned."""
    import nacl.public

    private = nacl.public.PrivateKey.generate()
    key_file = temp / "backup.key"
    key_file.write_text(base64.b64encode(bytes(private)).decode() + "\n")
    key_file.chmod(0o600)
    return base64.b64encode(bytes(private.public_key)).decode()


def restore_drill_command(temp: Path, ovoz: list[str]) -> list[str]:
    """Wait (at most 120 s) for the backup the scheduler's daily job writes, then run the restore drill
    on it: a scratch database, `ovoz restore`, counts compared table by table."""
    backups = temp / "var" / "backups"
    script = (
        f"for i in $(seq 240); do set -- {shlex.quote(str(backups))}/ovoz-*.backup; "
        '[ -f "$1" ] && break; sleep 0.5; done; '
        '[ -f "$1" ] || { echo "no backup written by the scheduler within 120 s"; exit 1; }; '
        f'exec {shlex.join(ovoz)} restore-drill "$1" --key-file {shlex.quote(str(temp / "backup.key"))}'
    )
    return ["sh", "-c", script]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and the database")
    parser.add_argument("--wheel", action="store_true", help="run Ovoz from a wheel built from this checkout")
    options, pytest_args = parser.parse_known_args()
    began = time.monotonic()
    python = sys.executable
    for program in ("nginx", "redis-server", "openssl"):
        if shutil.which(program) is None:
            raise SystemExit(
                f"prod-check: {program} is not installed (apt-get install nginx-light redis-server openssl)"
            )
    if shutil.which("gunicorn", path=str(Path(python).parent)) is None:
        raise SystemExit(f"prod-check: gunicorn is not installed beside {python} (pip install '.[production]')")

    temp = shape_folders("ovoz-prodcheck-")
    postgres_up()
    database_create(DATABASE)
    ports = {name: free_port() for name in ("redis", "http", "https", "web1", "web2", "smtp")}
    https_url = f"https://localhost:{ports['https']}"
    env = shape_environment(
        temp,
        ports,
        DATABASE,
        OVOZ_REMINDER_HOUR="0",  # the scheduler's daily tasks are due as soon as it starts
        OVOZ_FOLLOW_ATTEMPTS="6",
        OVOZ_INTAKE_LIMIT="8",
        # The scheduler's daily backup (due at once, as above); the restore drill reads it back.
        OVOZ_BACKUP_DIR=str(temp / "var" / "backups"),
        OVOZ_BACKUP_PUBLIC_KEY=backup_keypair(temp),
        OVOZ_BACKUP_KEEP_DAYS="7",
    )

    stack = Stack(temp, env)
    stray: list[str] = []
    failed = True
    try:
        # With --wheel: the `ovoz` command the wheel installed, run outside the checkout.
        bin_dir, ovoz = ovoz_installed(temp, python, wheel=options.wheel, env=env)
        shape_prepare(stack, ovoz, ports)
        for name in ("web1", "web2"):
            web_start(stack, bin_dir, name, ports[name])
        nginx_start(stack, ports, [ports["web1"], ports["web2"]])
        for port in (ports["web1"], ports["web2"], ports["https"]):
            wait_for_port(port, stack)
        https_ready(https_url, stack)
        # Before the worker and the scheduler start: their daily tasks (digests, alerts, the backup) use
        # tables this step takes away for a moment. What intake enqueues meanwhile waits in Redis.
        say(
            migrate_under_load(
                ovoz=ovoz, env=env, cwd=temp / "var", https_port=ports["https"], database_url=f"{POSTGRES}/{DATABASE}"
            )
        )
        stack.start("worker", exec_start("ovoz-worker@.service", **{UNIT_BIN: f"{bin_dir}/"}))
        stack.start("scheduler", exec_start("ovoz-scheduler.service", **{UNIT_BIN: f"{bin_dir}/"}))
        web = f"gunicorn :{ports['web1']} :{ports['web2']}"
        say(f"the shape is up after {time.monotonic() - began:.1f} s: nginx {https_url}, {web}")

        shape = {
            "https_url": https_url,
            "http_url": f"http://localhost:{ports['http']}",
            "instances": [f"http://127.0.0.1:{ports['web1']}", f"http://127.0.0.1:{ports['web2']}"],
            "logs": str(temp / "logs"),
            "ovoz": ovoz,
            "var": str(temp / "var"),
        }
        (temp / "shape.json").write_text(json.dumps(shape))
        checking = Background([*ovoz, "check", "--deploy", "--fail-level", "WARNING"], env=env, cwd=temp / "var")
        drilling = Background(restore_drill_command(temp, ovoz), env=env, cwd=temp / "var")
        test_env = dict(env, OVOZ_PRODCHECK=str(temp / "shape.json"), PYTHONPATH=str(ROOT))
        started = time.monotonic()
        tests = subprocess.run(
            [python, "-m", "pytest", "-p", "no:xdist", "--ds", "ovoz.settings", "-q", *TESTS, *pytest_args],
            env=test_env,
            cwd=ROOT,
            check=False,
        )
        say(f"tests: {time.monotonic() - started:.1f} s")
        stack.check_alive()
        output = checking.result("ovoz check --deploy")
        if "no issues" not in output:
            raise SystemExit(f"prod-check: ovoz check --deploy reported issues:\n{output}")
        output = drilling.result("the scheduler's daily backup, then ovoz restore-drill on it")
        if "Restore drill passed" not in output:
            raise SystemExit(f"prod-check: the restore drill did not pass:\n{output}")
        say(output.strip().splitlines()[-1])
        for log in ("nginx-access.log", "nginx-error.log", "nginx-main-error.log"):
            path = temp / "logs" / log
            text = path.read_text() if path.exists() else ""
            if re.search(r"\b127\.\d+\.\d+\.\d+\b", text) or "client:" in text:  # any loopback address
                raise SystemExit(f"prod-check: {log} names a client address")
        if not (temp / "logs" / "nginx-access.log").read_text().strip():
            raise SystemExit("prod-check: nginx logged no request at all")
        failed = tests.returncode != 0
    finally:
        Background.stop_all()
        stray = stack.stop()
        if stray:
            say(f"ERROR: processes left behind by {', '.join(stray)} (killed)")
        if options.keep:
            say(f"kept {temp} and the database {DATABASE}")
        else:
            shutil.rmtree(temp, ignore_errors=True)
            database_drop(DATABASE)
    total = time.monotonic() - began
    if failed or stray:
        say(f"FAILED after {total:.1f} s")
        return 1
    say(f"passed in {total:.1f} s; everything it started has stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
