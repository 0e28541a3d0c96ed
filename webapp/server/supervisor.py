"""Start gunicorn and the job worker together with one configuration; stop both together.

``flask --app webapp serve`` (and ``python3 manage.py demo``) call :func:`serve`. Both children
get the same environment, with ``PORT`` and ``PUBLIC_BASE_URL`` filled in, so every link in an
e-mail the worker sends points at the address gunicorn serves. Ctrl+C or SIGTERM stops both
(gunicorn finishes its requests; the worker gives an unfinished job back to the queue). A job
worker that dies is started again; if gunicorn dies (or the worker keeps dying at once), the
rest is stopped too and the exit code says so. On Linux the children also
get SIGTERM if this process is killed outright, so no orphan keeps the port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def service_env(
    port: int, host: str = "127.0.0.1", base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment both children get: PORT, BIND_HOST and PUBLIC_BASE_URL filled in."""
    env = dict(os.environ if base is None else base)
    env["PORT"] = str(port)
    env["BIND_HOST"] = host
    if not env.get("PUBLIC_BASE_URL"):
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        env["PUBLIC_BASE_URL"] = f"http://{shown}:{port}"
    # the children import this checkout's webapp (also when it is not installed)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def commands(with_worker: bool = True, workers: int | None = None) -> dict[str, list[str]]:
    """The command lines of the children: gunicorn and (unless disabled) the job worker."""
    web = [sys.executable, "-m", "gunicorn", "-c", "python:webapp.server.gunicorn_conf"]
    if workers:
        web += ["--workers", str(workers)]
    out = {"web": web}
    if with_worker:
        out["worker"] = [sys.executable, "-m", "flask", "--app", "webapp", "jobs", "worker"]
    return out


def wait_for_port(host: str, port: int, timeout: float, alive: Callable[[], bool]) -> bool:
    """True once something accepts connections on host:port; False on timeout or child death."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM if the supervisor dies (even by SIGKILL)."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except OSError:
            pass


def _stop(children: dict[str, subprocess.Popen], grace: float = 30) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def serve(
    port: int,
    host: str = "127.0.0.1",
    *,
    with_worker: bool = True,
    workers: int | None = None,
    echo: Callable[[str], None] = print,
) -> int:
    """Run gunicorn and the job worker until Ctrl+C/SIGTERM or one of them dies; the exit code."""
    env = service_env(port, host)
    children: dict[str, subprocess.Popen] = {}

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    # Ctrl+C stops both even when started from a script that ignores SIGINT for its children
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for name, cmd in commands(with_worker, workers).items():
            # own process group: a Ctrl+C reaches the children only through us, in order
            children[name] = subprocess.Popen(
                cmd, env=env, cwd=os.getcwd(), start_new_session=True, preexec_fn=_die_with_parent
            )
        probe = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
        if wait_for_port(probe, port, 60, lambda: all(c.poll() is None for c in children.values())):
            echo(
                f"dekom-eval serves {env['PUBLIC_BASE_URL']}/ (gunicorn"
                f"{' + job worker' if with_worker else ''}); Ctrl+C stops "
                f"{'both' if with_worker else 'it'}."
            )
        cmds, started, quick_deaths = (
            commands(with_worker, workers),
            {n: time.monotonic() for n in children},
            0,
        )
        while True:
            for name, child in list(children.items()):
                code = child.poll()
                if code is None:
                    continue
                # a job worker that died is started again (its job is taken over by heartbeat);
                # one that dies at once, three times in a row, is a configuration problem
                quick_deaths = quick_deaths + 1 if time.monotonic() - started[name] < 10 else 0
                if name == "worker" and quick_deaths < 3:
                    echo(f"job worker stopped with exit code {code}; starting it again")
                    time.sleep(1)
                    children[name] = subprocess.Popen(
                        cmds[name],
                        env=env,
                        cwd=os.getcwd(),
                        start_new_session=True,
                        preexec_fn=_die_with_parent,
                    )
                    started[name] = time.monotonic()
                    continue
                echo(f"{name} stopped with exit code {code}; stopping the rest")
                _stop(children)
                return code or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        echo("stopping the web server and the job worker ...")
        _stop(children)
        echo("stopped")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
