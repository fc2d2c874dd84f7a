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
import contextlib
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from upgrade_under_load import migrate_under_load  # deploy/, beside this script

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
DATABASE = "ovoz_prodcheck"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
UNIT_BIN = "/opt/ovoz/venv/bin/"
TESTS = ["ovoz/operations/tests/test_production_shape.py", "ovoz/operations/tests/test_production_journeys.py"]


def say(message: str) -> None:
    print(f"prod-check: {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def exec_start(unit: str, **replacements: str) -> list[str]:
    """The ExecStart command of a unit in deploy/systemd, with systemd's specifiers and paths replaced."""
    text = (DEPLOY / "systemd" / unit).read_text()
    (line,) = re.findall(r"^ExecStart=(.+)$", text, flags=re.MULTILINE)
    for old, new in replacements.items():
        line = line.replace(old, new)
    return shlex.split(line)


def replace_once(text: str, old: str, new: str) -> str:
    """Replace ``old`` (which must be there) everywhere: a changed deploy file stops the check here."""
    if old not in text:
        raise SystemExit(f"prod-check: deploy/nginx/ovoz.conf no longer contains {old!r}")
    return text.replace(old, new)


class Stack:
    """Every process this check starts, each in its own process group, stopped in reverse order."""

    def __init__(self, temp: Path, env: dict[str, str]) -> None:
        self.temp = temp
        self.env = env
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        (temp / "logs").mkdir(exist_ok=True)

    def start(self, name: str, command: list[str], *, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = (self.temp / "logs" / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command,
            env=env or self.env,
            cwd=self.temp / "var",
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append((name, process))
        return process

    def stop(self) -> list[str]:
        """Stop everything, Redis last (the worker says goodbye to it); the names of the processes that
        had to be killed, or left a process of their group behind."""
        last = [entry for entry in self.processes if entry[0] == "redis"]
        for tier in ([entry for entry in self.processes if entry[0] != "redis"], last):
            for name, process in tier:
                if process.poll() is None:
                    process.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
            deadline = time.monotonic() + 40
            for _name, process in tier:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
        stray = []
        time.sleep(0.5)
        for name, process in self.processes:
            if process.poll() is None or group_alive(process.pid):
                stray.append(name)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5)
        return stray

    def check_alive(self) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                log = (self.temp / "logs" / f"{name}.log").read_text(errors="replace")[-3000:]
                raise SystemExit(f"prod-check: {name} ended with status {process.returncode}:\n{log}")


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def run(command: list[str], *, env: dict[str, str], cwd: Path, what: str) -> str:
    started = time.monotonic()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"prod-check: {what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    say(f"{what}: {time.monotonic() - started:.1f} s")
    return result.stdout + result.stderr


class Background:
    """A command that runs while the check does something else; ``result`` waits for it."""

    running: list[subprocess.Popen[str]] = []

    def __init__(self, command: list[str], *, env: dict[str, str], cwd: Path) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.running.append(self.process)

    @classmethod
    def stop_all(cls) -> None:
        """End those whose result nobody waited for (the check failed before)."""
        for process in cls.running:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)

    def result(self, what: str) -> str:
        output, _ = self.process.communicate()
        if self.process.returncode != 0:
            raise SystemExit(f"prod-check: {what} failed ({self.process.returncode}):\n{output}")
        say(f"{what}: done within {time.monotonic() - self.started:.1f} s (beside other steps)")
        return output


def postgres_up() -> None:
    if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode == 0:
        return
    say("starting PostgreSQL")
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True)
    for _ in range(30):
        if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode == 0:
            return
        time.sleep(1)
    raise SystemExit("prod-check: PostgreSQL did not start")


def database_create() -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def database_drop() -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def wait_for_port(port: int, stack: Stack, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"prod-check: nothing listens on {port} after {timeout} s")


def certificate(temp: Path) -> tuple[Path, Path]:
    cert, key = temp / "tls" / "cert.pem", temp / "tls" / "key.pem"
    cert.parent.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


def nginx_conf(temp: Path, *, http: int, https: int, web_ports: list[int], cert: Path, key: Path) -> Path:
    """deploy/nginx/ovoz.conf with this check's ports, certificate and folders, inside a main config."""
    site = (DEPLOY / "nginx" / "ovoz.conf").read_text()
    site = replace_once(site, "listen 80 default_server;", f"listen 127.0.0.1:{http} default_server;")
    site = replace_once(site, "listen [::]:80 default_server;\n", "")
    site = replace_once(
        site, "listen 443 ssl http2 default_server;", f"listen 127.0.0.1:{https} ssl http2 default_server;"
    )
    site = replace_once(site, "listen [::]:443 ssl http2 default_server;\n", "")
    site = replace_once(site, "server 127.0.0.1:8000 ", f"server 127.0.0.1:{web_ports[0]} ")
    site = replace_once(site, "server 127.0.0.1:8001 ", f"server 127.0.0.1:{web_ports[1]} ")
    site = replace_once(site, "/etc/letsencrypt/live/ovoz.example.org/fullchain.pem", str(cert))
    site = replace_once(site, "/etc/letsencrypt/live/ovoz.example.org/privkey.pem", str(key))
    site = replace_once(site, "/var/log/ovoz/", f"{temp}/logs/")
    site = replace_once(site, "root /srv/ovoz;", f"root {temp}/public;")
    site = replace_once(site, "root /var/www/letsencrypt;", f"root {temp}/public/acme;")
    site = replace_once(site, "server_name ovoz.example.org;", "server_name localhost;")
    (temp / "nginx" / "ovoz.conf").write_text(site)
    modules = [
        f"load_module {path};" for path in sorted(Path("/usr/lib/nginx/modules").glob("ngx_http_brotli_*_module.so"))
    ]
    user = "www-data" if _user_exists("www-data") else "nobody"
    nginx = temp / "nginx"
    main = "\n".join(
        [
            *modules,
            f"user {user};",
            "worker_processes 1;",
            f"pid {nginx}/nginx.pid;",
            f"error_log {temp}/logs/nginx-main-error.log crit;",
            "events { worker_connections 512; }",
            "http {",
            "    include /etc/nginx/mime.types;",
            "    default_type application/octet-stream;",
            "    sendfile on;",
            "    access_log off;",
            "    gzip on;  # as Debian's nginx.conf: the site must turn it off for what it passes on",
            *(f"    {kind}_temp_path {nginx}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")),
            f"    include {nginx}/ovoz.conf;",
            "}",
            "",
        ]
    )
    (nginx / "nginx.conf").write_text(main)
    return nginx / "nginx.conf"


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def https_ready(url: str, stack: Stack, *, timeout: float = 90) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        with (
            contextlib.suppress(urllib.error.URLError, OSError),
            urllib.request.urlopen(f"{url}/en/", context=context, timeout=5) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.3)
    raise SystemExit(f"prod-check: {url}/en/ did not answer 200 within {timeout} s")


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


def wheel_environment(temp: Path, python: str) -> str:
    """A fresh virtualenv with Ovoz installed from a wheel built from this checkout; its bin folder.

    Ovoz comes from the wheel; its libraries are borrowed from the environment running this check (no
    download), as ovoz/operations/tests/test_wheel.py does.
    """
    import sysconfig

    build, dist = temp / "build", temp / "dist"
    build.mkdir()
    for name in ("ovoz", "setup.py", "pyproject.toml", "README.md"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, build / name)
    run(
        [python, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(build)],
        env=dict(os.environ),
        cwd=ROOT,
        what="wheel built",
    )
    (wheel,) = dist.glob("ovoz-*.whl")
    venv = temp / "venv"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        [python, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet", "--no-deps", str(wheel)],
        env=dict(os.environ),
        cwd=ROOT,
        what="wheel installed",
    )
    # gunicorn's console script, for this venv's Python (the library itself is borrowed).
    launcher = venv / "bin" / "gunicorn"
    launcher.write_text(
        f"#!{venv / 'bin' / 'python'}\nimport sys\nfrom gunicorn.app.wsgiapp import run\nsys.exit(run())\n"
    )
    launcher.chmod(0o755)
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import ovoz; print(ovoz.__file__)"],
        cwd=temp,
        env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not where.startswith(str(venv)):
        raise SystemExit(f"prod-check: Ovoz must come from the wheel, not from {where}")
    return str(venv / "bin")


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

    temp = Path(tempfile.mkdtemp(prefix="ovoz-prodcheck-"))
    temp.chmod(0o711)  # nginx's workers (www-data) reach the static files below; nothing else is readable
    for folder, mode in (("var", 0o700), ("public", 0o755), ("public/acme", 0o755), ("nginx", 0o700)):
        (temp / folder).mkdir(mode=mode)

    postgres_up()
    database_create()
    ports = {name: free_port() for name in ("redis", "http", "https", "web1", "web2", "smtp")}
    https_url = f"https://localhost:{ports['https']}"
    backup_key = backup_keypair(temp)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_", "PYTHONPATH"))}
    env.update(
        OVOZ_ENV="production",
        OVOZ_SECRET_KEY=secrets.token_urlsafe(50),
        OVOZ_DATA_KEY=base64.b64encode(os.urandom(32)).decode(),
        OVOZ_DATABASE_URL=f"{POSTGRES}/{DATABASE}",
        OVOZ_REDIS_URL=f"redis://127.0.0.1:{ports['redis']}/0",
        OVOZ_ALLOWED_HOSTS="localhost",
        OVOZ_PUBLIC_URL=https_url,
        # Nothing listens there: e-mails fail and are retried, none leaves this machine.
        OVOZ_SMTP_URL=f"smtp://127.0.0.1:{ports['smtp']}",
        OVOZ_VAR_DIR=str(temp / "var"),
        OVOZ_STATIC_ROOT=str(temp / "public" / "static"),
        OVOZ_CLIENT_ADDRESS_HEADER="X-Real-IP",
        OVOZ_REMINDER_HOUR="0",  # the scheduler's daily tasks are due as soon as it starts
        OVOZ_FOLLOW_ATTEMPTS="6",
        OVOZ_INTAKE_LIMIT="8",
        OVOZ_LOG_LEVEL="INFO",
        # The scheduler's daily backup (due at once, as above); the restore drill reads it back.
        OVOZ_BACKUP_DIR=str(temp / "var" / "backups"),
        OVOZ_BACKUP_PUBLIC_KEY=backup_key,
        OVOZ_BACKUP_KEEP_DAYS="7",
    )
    if not options.wheel:
        env["PYTHONPATH"] = str(ROOT)  # Ovoz from this checkout

    stack = Stack(temp, env)
    stray: list[str] = []
    failed = True
    try:
        # With --wheel: the `ovoz` command the wheel installed, run outside the checkout.
        bin_dir = wheel_environment(temp, python) if options.wheel else str(Path(python).parent)
        ovoz = [f"{bin_dir}/ovoz"] if options.wheel else [f"{bin_dir}/python", "-m", "ovoz"]
        stack.start(
            "redis",
            ["redis-server", "--bind", "127.0.0.1", "--port", str(ports["redis"]), "--save", "", "--appendonly", "no"]
            + ["--dir", str(temp / "var")],
        )
        # Collecting (compressing) the static files needs no database: it runs beside the migrations.
        collecting = Background([*ovoz, "collectstatic", "--no-input", "-v", "0"], env=env, cwd=temp / "var")
        run([*ovoz, "migrate", "--no-input", "-v", "0"], env=env, cwd=temp / "var", what="ovoz migrate")
        run([*ovoz, "seed"], env=env, cwd=temp / "var", what="ovoz seed")
        collecting.result("ovoz collectstatic")
        # As docs/deployment.md says: the collected files are Ovoz's user's only (umask 077); nginx must read them.
        subprocess.run(["chmod", "-R", "go+rX", str(temp / "public" / "static")], check=True)
        wait_for_port(ports["redis"], stack)

        for name, port in (("web1", ports["web1"]), ("web2", ports["web2"])):
            stack.start(name, exec_start("ovoz-web@.service", **{UNIT_BIN: f"{bin_dir}/", "%i": str(port)}))
        cert, key = certificate(temp)
        conf = nginx_conf(
            temp, http=ports["http"], https=ports["https"], web_ports=[ports["web1"], ports["web2"]], cert=cert, key=key
        )
        run(["nginx", "-t", "-q", "-c", str(conf), "-p", str(temp / "nginx")], env=env, cwd=temp, what="nginx -t")
        stack.start("nginx", ["nginx", "-c", str(conf), "-p", str(temp / "nginx"), "-g", "daemon off;"])
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
            if "127.0.0.1" in text or "client:" in text:
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
            database_drop()
    total = time.monotonic() - began
    if failed or stray:
        say(f"FAILED after {total:.1f} s")
        return 1
    say(f"passed in {total:.1f} s; everything it started has stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
