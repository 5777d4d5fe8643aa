"""Run ``hashpivot serve`` as a real subprocess for the browser and restart tests."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

SRC = str(Path(__file__).resolve().parents[2] / "src")


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``python -m hashpivot serve`` on a free port with its own database."""

    def __init__(self, db_url: str, **env: str) -> None:
        self.db_url = db_url
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.login_url = ""
        self.proc: subprocess.Popen[str] | None = None
        self.log: list[str] = []

    def start(self, timeout_s: float = 90.0) -> Server:
        """Start and wait until it answers; ``login_url`` is the printed one-time URL."""
        env = {**os.environ, "PYTHONPATH": SRC, "HASHPIVOT_DATABASE_URL": self.db_url,
               **self.env}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hashpivot", "serve", "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )
        found = threading.Event()

        def drain() -> None:
            assert self.proc is not None and self.proc.stderr is not None
            for line in self.proc.stderr:
                self.log.append(line)
                m = re.search(r"(http://\S+/login\?token=\S+)", line)
                if m:
                    self.login_url = m.group(1)
                    found.set()

        threading.Thread(target=drain, daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n" + "".join(self.log))
            if found.is_set():
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(self.base + "/api/health", timeout=2).status_code == 200:
                        return self
            time.sleep(0.2)
        raise RuntimeError("server did not start:\n" + "".join(self.log))

    def kill9(self) -> None:
        """SIGKILL the server process only (a crash)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server and anything left in its process group."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)


def api_key(db_url: str) -> str:
    """Create an API key in a database (migrating it first)."""
    from hashpivot.store import keys
    from hashpivot.store.db import open_database

    engine, factory = open_database(db_url)
    with factory() as s, s.begin():
        _, token = keys.create_key(s, "test")
    engine.dispose()
    return token
