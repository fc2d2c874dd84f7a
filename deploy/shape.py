"""The production shape of deploy/, started on this machine without systemd: the pieces that
`make prod-check` (deploy/prodcheck.py) and the load bench (bench/load.py) share.

PostgreSQL is the machine's (started if down) with a database of the caller's; Redis a server of its
own on a free port; gunicorn instances started with the ExecStart line of deploy/systemd/ovoz-web@.service;
nginx with deploy/nginx/ovoz.conf (its ports, certificate and folders replaced by throwaway ones,
nothing else changed); every folder under one temporary directory; every process in a ``Stack``
that stops them all, and reports any left behind.
"""

from __future__ import annotations

import base64
import contextlib
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
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
UNIT_BIN = "/opt/ovoz/venv/bin/"


PREFIX = ["prod-check"]  # bench/load.py says "load"


def say(message: str) -> None:
    print(f"{PREFIX[0]}: {message}", flush=True)


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


def database_create(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def database_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
    if len(web_ports) == 1:  # one instance (bench/load.py): the upstream's second server goes
        site = replace_once(site, "server 127.0.0.1:8001 ", "#server 127.0.0.1:8001 ")
    else:
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


def shape_folders(prefix: str) -> Path:
    """A temporary directory with the folders of the shape: var (Ovoz's), public (nginx's), nginx."""
    temp = Path(tempfile.mkdtemp(prefix=prefix))
    temp.chmod(0o711)  # nginx's workers (www-data) reach the static files below; nothing else is readable
    for folder, mode in (("var", 0o700), ("public", 0o755), ("public/acme", 0o755), ("nginx", 0o700)):
        (temp / folder).mkdir(mode=mode)
    return temp


def shape_environment(temp: Path, ports: dict[str, int], database: str, **settings: str) -> dict[str, str]:
    """The environment of every Ovoz process of the shape (production settings), ``settings`` added."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_", "PYTHONPATH"))}
    env.update(
        OVOZ_ENV="production",
        OVOZ_SECRET_KEY=secrets.token_urlsafe(50),
        OVOZ_DATA_KEY=base64.b64encode(os.urandom(32)).decode(),
        OVOZ_DATABASE_URL=f"{POSTGRES}/{database}",
        OVOZ_REDIS_URL=f"redis://127.0.0.1:{ports['redis']}/0",
        OVOZ_ALLOWED_HOSTS="localhost",
        OVOZ_PUBLIC_URL=f"https://localhost:{ports['https']}",
        # Nothing listens there: e-mails fail and are retried, none leaves this machine.
        OVOZ_SMTP_URL=f"smtp://127.0.0.1:{ports['smtp']}",
        OVOZ_VAR_DIR=str(temp / "var"),
        OVOZ_STATIC_ROOT=str(temp / "public" / "static"),
        OVOZ_CLIENT_ADDRESS_HEADER="X-Real-IP",
        OVOZ_LOG_LEVEL="INFO",
    )
    env.update(settings)
    return env


def ovoz_installed(temp: Path, python: str, *, wheel: bool, env: dict[str, str]) -> tuple[str, list[str]]:
    """The bin folder and the `ovoz` command: from a wheel built from this checkout (``wheel``), run
    outside the checkout, or from the checkout itself (PYTHONPATH set in ``env``)."""
    if not wheel:
        env["PYTHONPATH"] = str(ROOT)  # Ovoz from this checkout
    bin_dir = wheel_environment(temp, python) if wheel else str(Path(python).parent)
    return bin_dir, [f"{bin_dir}/ovoz"] if wheel else [f"{bin_dir}/python", "-m", "ovoz"]


def shape_prepare(stack: Stack, ovoz: list[str], ports: dict[str, int]) -> None:
    """Redis started; the database migrated and seeded; the static files collected for nginx."""
    temp, env = stack.temp, stack.env
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


def web_start(stack: Stack, bin_dir: str, name: str, port: int) -> None:
    stack.start(name, exec_start("ovoz-web@.service", **{UNIT_BIN: f"{bin_dir}/", "%i": str(port)}))


def nginx_start(stack: Stack, ports: dict[str, int], web_ports: list[int]) -> Path:
    """nginx in front of ``web_ports``, after `nginx -t`; its main configuration file."""
    temp = stack.temp
    cert, key = certificate(temp)
    conf = nginx_conf(temp, http=ports["http"], https=ports["https"], web_ports=web_ports, cert=cert, key=key)
    run(["nginx", "-t", "-q", "-c", str(conf), "-p", str(temp / "nginx")], env=stack.env, cwd=temp, what="nginx -t")
    stack.start("nginx", ["nginx", "-c", str(conf), "-p", str(temp / "nginx"), "-g", "daemon off;"])
    return conf
