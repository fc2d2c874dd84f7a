"""Denial of service: what hostile photos and slow connections cost Ovoz (issue 12, point 7).

Photos: each case runs ``ovoz.core.images.image_clean`` in a fresh process and prints the wall time
and the peak memory it added (the peak resident size, reset just before, less the resident size
then; Linux only). Slow clients:
``ovoz serve`` on a fresh SQLite database, with 100 connections that each send the start of a request
and never finish it (idle, or trickling a byte every half second), and the time a normal request then
takes to be answered.

    .venv/bin/python bench/dos.py                          # this checkout
    .venv/bin/python bench/dos.py --compare /tmp/ovoz-main # and another checkout (e.g. before a change)
    .venv/bin/python bench/dos.py --photos-only

Everything runs on loopback; the bench stops by itself (each wait is bounded).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANSWER_TIMEOUT = 30.0

# Run in a child process with the checkout's code: prints {"seconds", "peak_mb", "result"}.
PHOTO_CHILD = r"""
import json, sys, threading, time
import django
django.setup()
from ovoz.core.images import ImageRejected, image_clean

def status_kb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

data = open(sys.argv[1], "rb").read()
requests, photos = int(sys.argv[2]), int(sys.argv[3])
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # reset the peak resident size (VmHWM) to the current one
before = status_kb("VmRSS")
results = []

def request():
    for _ in range(photos):
        try:
            clean = image_clean(data)
            results.append(f"kept {clean.width}x{clean.height}")
        except ImageRejected as error:
            results.append("refused: " + str(error.message))

start = time.perf_counter()
threads = [threading.Thread(target=request) for _ in range(requests)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
seconds = time.perf_counter() - start
after = status_kb("VmHWM")
print(json.dumps({"seconds": seconds, "peak_mb": (after - before) / 1024, "result": sorted(set(results))[0]}))
"""


def png(width: int, height: int) -> bytes:
    from PIL import Image

    output = io.BytesIO()
    # Flat colour with a little structure: compresses to ~150 KB at 6300 x 6300, as in the report.
    image = Image.new("RGB", (width, height), (90, 140, 60))
    image.paste((20, 20, 20), (0, 0, width, height // 50))
    image.save(output, format="PNG")
    return output.getvalue()


def jpeg(width: int, height: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (200, 30, 30))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 97):
        draw.line((x, 0, width - x, height), fill=(x % 255, 90, 200), width=3)
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=88)
    return output.getvalue()


PHOTO_CASES = [
    ("PNG 6300x6300 (the report's bomb)", lambda: png(6300, 6300), 1, 1),
    ("PNG 6300x6300, 4 requests x 3 photos at once", lambda: png(6300, 6300), 4, 3),
    ("JPEG 4000x3000 (12 MP phone photo)", lambda: jpeg(4000, 3000), 1, 1),
    ("JPEG 6000x4000 (24 MP phone photo)", lambda: jpeg(6000, 4000), 1, 1),
    ("JPEG 6000x4000, 4 requests x 3 photos at once", lambda: jpeg(6000, 4000), 4, 3),
]


def environment(code: Path, var_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_"))}
    env.update(PYTHONPATH=str(code), DJANGO_SETTINGS_MODULE="ovoz.settings", OVOZ_VAR_DIR=str(var_dir))
    return env


def photo_case(code: Path, data_file: Path, requests: int, photos: int, var_dir: Path) -> dict[str, object]:
    output = subprocess.run(
        [sys.executable, "-c", PHOTO_CHILD, str(data_file), str(requests), str(photos)],
        env=environment(code, var_dir),
        cwd=code,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serving(code: Path, var_dir: Path):
    env = environment(code, var_dir)
    subprocess.run(
        [sys.executable, "-m", "ovoz", "migrate", "--verbosity", "0"], env=env, cwd=code, check=True, timeout=600
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ovoz", "serve", "--port", str(port), "--no-worker", "--no-scheduler"],
        env=env,
        cwd=code,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                answer_seconds(port, timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("ovoz serve did not start") from None
                time.sleep(0.5)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def answer_seconds(port: int, timeout: float) -> float:
    start = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/en/report/", timeout=timeout) as response:
        response.read()
    return time.monotonic() - start


def slow_case(port: int, *, count: int, trickling: bool) -> str:
    sockets = []
    stop = threading.Event()
    try:
        for _ in range(count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connection.sendall(b"GET /en/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sockets.append(connection)

        def trickle() -> None:
            while not stop.wait(0.5):
                for connection in sockets:
                    with contextlib.suppress(OSError):
                        connection.send(b"X")

        if trickling:
            threading.Thread(target=trickle, daemon=True).start()
        time.sleep(1)
        try:
            return f"answered in {answer_seconds(port, timeout=ANSWER_TIMEOUT):.2f} s"
        except OSError:
            return f"no answer in {ANSWER_TIMEOUT:.0f} s"
    finally:
        stop.set()
        for connection in sockets:
            connection.close()


def measure(code: Path, *, photos_only: bool) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="ovoz-bench-dos-") as scratch:
        var_dir = Path(scratch) / "var"
        for label, make, requests, photos in PHOTO_CASES:
            data_file = Path(scratch) / "input"
            data_file.write_bytes(make())
            result = photo_case(code, data_file, requests, photos, var_dir)
            size = f"{data_file.stat().st_size / 1024:.0f} KB"
            rows.append(
                (f"{label} [{size}]", f"{result['seconds']:.2f} s, +{result['peak_mb']:.0f} MB", str(result["result"]))
            )
        if not photos_only:
            with serving(code, var_dir) as port:
                rows.append(("normal request, no attack", f"{answer_seconds(port, timeout=ANSWER_TIMEOUT):.2f} s", ""))
                rows.append(("100 half-open connections, idle", slow_case(port, count=100, trickling=False), ""))
            with serving(code, var_dir) as port:
                rows.append(
                    ("100 half-open connections, a byte each 0.5 s", slow_case(port, count=100, trickling=True), "")
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", type=Path, help="another Ovoz checkout to measure first (e.g. main)")
    parser.add_argument("--photos-only", action="store_true", help="skip the ovoz serve cases")
    options = parser.parse_args()
    print(f"# {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}")
    measured = []
    if options.compare:
        measured.append(
            (f"before ({options.compare})", measure(options.compare.resolve(), photos_only=options.photos_only))
        )
    measured.append((f"this checkout ({ROOT})", measure(ROOT, photos_only=options.photos_only)))
    width = max(len(row[0]) for _, rows in measured for row in rows)
    for title, rows in measured:
        print(f"\n## {title}\n")
        print(f"| {'case'.ljust(width)} | time, peak memory added / answer | photo |")
        print(f"| {'-' * width} | --- | --- |")
        for case, value, result in rows:
            print(f"| {case.ljust(width)} | {value} | {result} |")


if __name__ == "__main__":
    main()
