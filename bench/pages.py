"""Bytes transferred and load times of the public pages on a slow mobile connection (2G-like).

Starts Ovoz as `make run` does, on a free port and in a fresh folder (SQLite, demo data): `ovoz catalogs
compile`, `ovoz migrate`, `ovoz demo`, `ovoz serve`. Then Debian's Chromium (Playwright) opens each page
with an empty cache, JavaScript on and off, under Chrome DevTools' network emulation (300 ms round trip,
250 kbit/s down, 100 kbit/s up), and waits until the network is idle. Prints, per page:

- bytes: everything received for the page and what it loaded (headers and bodies, as sent: compressed);
- interactive: when the document was parsed and its deferred scripts ran (DOMContentLoaded's end);
- load: the load event's end; idle: when nothing was in flight for half a second (the map's data).

Targets (issue 14): report at most 20 KB and interactive within 2 s; map with JavaScript at most 80 KB.

    .venv/bin/python bench/pages.py [--keep FOLDER] [--latency-ms 300] [--down-kbit 250] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("OVOZ_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PAGES = [("report", "/en/report/"), ("follow", "/en/follow/"), ("map", "/en/map/"), ("dashboard", "/en/dashboard/")]
TARGETS = {("report", True): (20_000, 2.0), ("report", False): (20_000, 2.0), ("map", True): (80_000, None)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ovoz(env: dict[str, str], *arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "ovoz", *arguments], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def start_like_make_run(var_dir: Path, port: int) -> subprocess.Popen[str]:
    """`make run`'s steps with this Python, in ``var_dir``; returns the running `ovoz serve`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_"))}
    env.update(OVOZ_VAR_DIR=str(var_dir), PYTHONPATH=str(ROOT))
    ovoz(env, "catalogs", "compile")
    ovoz(env, "migrate", "--no-input", "-v", "0")
    ovoz(env, "demo")
    server = subprocess.Popen(
        [sys.executable, "-m", "ovoz", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert server.stdout is not None
    deadline = time.monotonic() + 180
    for line in server.stdout:
        if "Ovoz is running at" in line:
            break
        if time.monotonic() > deadline:
            break
    else:
        raise SystemExit("ovoz serve stopped before it was running")
    # Keep reading its output (the worker's log), so that the pipe never fills.
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()  # type: ignore[union-attr]
    return server


def measure(browser, url: str, *, javascript: bool, latency_ms: float, down_kbit: float) -> dict[str, float]:
    """One visit with an empty cache: bytes received and the navigation's timings in seconds."""
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    received: dict[str, float] = {}
    cdp.on(
        "Network.loadingFinished", lambda event: received.__setitem__(event["requestId"], event["encodedDataLength"])
    )
    cdp.on("Network.loadingFailed", lambda event: received.setdefault(event["requestId"], 0))
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": latency_ms,
            "downloadThroughput": down_kbit * 1000 / 8,
            "uploadThroughput": 100 * 1000 / 8,
        },
    )
    started = time.monotonic()
    page.goto(url, wait_until="load", timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    idle = time.monotonic() - started - 0.5  # Playwright's "idle" is 500 ms without a request
    timing = page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return {interactive: n.domContentLoadedEventEnd, load: n.loadEventEnd}; })()"
    )
    context.close()
    return {
        "bytes": sum(received.values()),
        "requests": len(received),
        "interactive": timing["interactive"] / 1000,
        "load": timing["load"] / 1000,
        "idle": idle,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, help="use (and keep) this folder instead of a temporary one")
    parser.add_argument("--latency-ms", type=float, default=300)
    parser.add_argument("--down-kbit", type=float, default=250)
    parser.add_argument("--repeat", type=int, default=1, help="visits per page; the table shows the median")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    var_dir = args.keep or Path(tempfile.mkdtemp(prefix="ovoz-bench-pages-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = start_like_make_run(var_dir, port)
    base = f"http://127.0.0.1:{port}"
    failures = []
    try:
        print(
            f"# {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, `ovoz serve` as make run"
        )
        print(f"# {args.latency_ms:.0f} ms round trip, {args.down_kbit:.0f} kbit/s down, empty cache\n")
        print("| page | JavaScript | requests | bytes | interactive | load | network idle | target |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            for name, path in PAGES:
                for javascript in (True, False):
                    runs = [
                        measure(
                            browser,
                            base + path,
                            javascript=javascript,
                            latency_ms=args.latency_ms,
                            down_kbit=args.down_kbit,
                        )
                        for _ in range(args.repeat)
                    ]
                    result = {key: sorted(run[key] for run in runs)[len(runs) // 2] for key in runs[0]}
                    target, verdict = TARGETS.get((name, javascript)), ""
                    if target:
                        max_bytes, max_interactive = target
                        ok = result["bytes"] <= max_bytes and (
                            max_interactive is None or result["interactive"] <= max_interactive
                        )
                        verdict = (
                            ("ok" if ok else "MISSED")
                            + f" (≤ {max_bytes / 1000:.0f} KB"
                            + (f", ≤ {max_interactive:.0f} s)" if max_interactive else ")")
                        )
                        if not ok:
                            failures.append(f"{name} with JavaScript {'on' if javascript else 'off'}")
                    print(
                        f"| {name} | {'on' if javascript else 'off'} | {result['requests']:.0f} | "
                        f"{result['bytes'] / 1000:.1f} KB | {result['interactive']:.2f} s | {result['load']:.2f} s | "
                        f"{result['idle']:.2f} s | {verdict} |"
                    )
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        if args.keep is None:
            shutil.rmtree(var_dir, ignore_errors=True)
    if failures:
        print("\nMissed: " + ", ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
