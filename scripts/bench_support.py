"""What the Python benchmarks share: a `concert demo` of their own and a small API client."""

import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

PASSWORD = "concert-demo-2020"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


@contextlib.contextmanager
def running_demo(binary, arguments=(), prefix="concert-bench-"):
    """`concert demo` in a scratch folder on a free loopback port; yields its base URL, and
    stops it and removes the folder afterwards."""
    folder = tempfile.mkdtemp(prefix=prefix)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(folder, "demo.log"), "w")
    process = subprocess.Popen(
        [os.path.abspath(binary), "demo", "--listen", f"127.0.0.1:{port}", *arguments], cwd=folder, stdout=log,
        stderr=log)
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/api/v1/health", timeout=1)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


class Client:
    """A demo user's session over one kept-alive connection (one client per thread)."""

    def __init__(self, base, username, token=None):
        self.base = base
        self.host = base.split("//", 1)[1]
        self.connection = None
        if token is None:
            status, body = self.call("POST", "/api/v1/sessions", {"username": username, "password": PASSWORD},
                                     token=None)
            token = body["token"]
        self.token = token
        self.username = username

    def another(self):
        """The same session over a connection of its own, for another thread (signing in many
        times at once would meet the sign-in limiter)."""
        return Client(self.base, self.username, token=self.token)

    def request(self, method, path, body=None, token="self"):
        """Sends a request; returns its status and its bytes."""
        headers = {}
        if token == "self":
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, timeout=120)
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise

    def call(self, method, path, body=None, token="self"):
        status, data = self.request(method, path, body, token)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {data[:300]!r}")
        return status, json.loads(data) if data else None

    def raw(self, path):
        status, data = self.request("GET", path)
        if status >= 400:
            raise RuntimeError(f"GET {path}: {status} {data[:300]!r}")
        return data


def every_page(client, path):
    """Every item of a list route, following its pages of 500."""
    items, after = [], None
    while True:
        separator = "&" if "?" in path else "?"
        page = client.call("GET", path + separator + "limit=500" + (f"&after={after}" if after else ""))[1]
        items += page["items"]
        after = page.get("next")
        if not after:
            return items
