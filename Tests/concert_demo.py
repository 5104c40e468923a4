"""Starts `concert demo` for the Python test suites (operations, interop, browser): a fresh
installation in a scratch folder, on a free loopback port, ready when its health route answers.

The binary is `CONCERT_BINARY` (the README's test command sets it), or the debug build.
"""

import contextlib
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass


def free_port():
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Demo:
    """A running demo: its port, its base address, and the files its output goes to."""
    port: int
    base: str
    folder: str
    stdout: str
    stderr: str


@contextlib.contextmanager
def running_demo(prefix, arguments=(), environment=None):
    """Runs `concert demo --listen 127.0.0.1:PORT [arguments]` until the block ends; answers a
    `Demo`. `environment` adds variables to the server's."""
    binary = os.path.abspath(os.environ.get("CONCERT_BINARY", ".build/debug/concert"))
    folder = tempfile.mkdtemp(prefix=prefix)
    port = free_port()
    demo = Demo(port=port, base=f"http://127.0.0.1:{port}", folder=folder,
                stdout=os.path.join(folder, "stdout.log"), stderr=os.path.join(folder, "stderr.log"))
    with open(demo.stdout, "w") as output, open(demo.stderr, "w") as errors:
        process = subprocess.Popen([binary, "demo", "--listen", f"127.0.0.1:{port}", *arguments], cwd=folder,
                                   stdout=output, stderr=errors, env=dict(os.environ, **(environment or {})))
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(demo.base + "/api/v1/health", timeout=1)
                break
            except OSError:
                if process.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"the demo did not start; see {demo.stderr}")
                time.sleep(0.1)
        yield demo
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
