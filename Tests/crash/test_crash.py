"""Concert killed with SIGKILL in the middle of 1,000 concurrent writes, and started again.

Each round starts `concert demo` on the same database, fires 1,000 writes from 16 clients at
once — targets, status reports, messages with an attachment — and kills the server at a
random moment while they are under way. After it starts again:

- every write the client saw acknowledged is there: each target and message by id, each
  message's attachment byte for byte, each status report as an event of the log;
- nothing is half-there: every target has its `target.created` event, every message its
  `message.sent`, and the attachment folder holds only files of stored messages (the server
  sweeps what a cut-off write left when it starts);
- `concert audit verify` passes: the hash chain, the Merkle tree and the signed checkpoints.

Twenty rounds on SQLite, and twenty on PostgreSQL when CONCERT_TEST_POSTGRES_URL names a
server (scripts/with-postgres); CONCERT_CRASH_ROUNDS sets another number.
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid

import pytest
from concert_demo import free_port

PASSWORD = "concert-demo-2020"
ROUNDS = int(os.environ.get("CONCERT_CRASH_ROUNDS", "20"))
WRITES = 1000
CLIENTS = 16
BINARY = os.path.abspath(os.environ.get("CONCERT_BINARY", ".build/debug/concert"))


class Server:
    """A `concert demo` on one database, in one folder (its keys and attachments stay there)."""

    def __init__(self, database, folder):
        self.database = database
        self.folder = folder
        self.process = None
        self.port = None

    def start(self):
        self.port = free_port()
        log = open(os.path.join(self.folder, "server.log"), "a")
        # Alone on its database: what a cut-off write left is swept at once, as on SQLite.
        environment = dict(os.environ, CONCERT_ATTACHMENT_SWEEP_GRACE="0")
        self.process = subprocess.Popen(
            [BINARY, "demo", "--database", self.database, "--listen", f"127.0.0.1:{self.port}"],
            cwd=self.folder, stdout=log, stderr=log, env=environment)
        deadline = time.time() + 90
        while True:
            try:
                status, _ = self.call("GET", "/api/v1/ready")
                if status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.time() > deadline:
                raise AssertionError(f"the server did not start again: {open(log.name).read()[-2000:]}")
            time.sleep(0.1)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def call(self, method, path, body=None, token=None, raw=None, content_type="application/json"):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {}
        if token:
            headers["authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            headers["content-type"] = content_type
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        if response.headers.get("content-type", "").startswith(("application/json", "application/problem+json")):
            return response.status, json.loads(payload) if payload else None
        return response.status, payload

    def token(self, username):
        status, body = self.call("POST", "/api/v1/sessions", {"username": username, "password": PASSWORD})
        assert status == 201, body
        return body["token"]

    def all_pages(self, path, token):
        items, after = [], None
        while True:
            query = "limit=500" + (f"&after={after}" if after else "")
            status, body = self.call("GET", f"{path}{'&' if '?' in path else '?'}{query}", token=token)
            assert status == 200, body
            items += body["items"]
            after = body.get("next")
            if not after:
                return items

    def events(self, operation, token):
        status, body = self.call("GET", f"/api/v1/operations/{operation}/live?since=0&follow=false", token=token)
        assert status == 200
        events = []
        for line in body.decode().splitlines():
            if line.startswith("data:"):
                events.append(json.loads(line[5:]))
        return events


def multipart(message, file_name, content):
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="message"\r\nContent-Type: application/json\r\n\r\n'
        .encode() + json.dumps(message).encode() + b"\r\n",
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Acknowledged:
    """What the clients were told was written, gathered across their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.targets = set()
        self.messages = {}  # id -> (attachment id, sha256 of the content)
        self.reports = {}  # action id -> how many status reports were acknowledged

    def add(self, kind, key, value=None):
        with self.lock:
            if kind == "target":
                self.targets.add(key)
            elif kind == "message":
                self.messages[key] = value
            else:
                self.reports[key] = self.reports.get(key, 0) + 1


def write(server, token, operation, actions, acknowledged, number):
    """One write of the round's thousand; what the server acknowledges is noted."""
    kind = number % 3
    path = f"/api/v1/operations/{operation}"
    if kind == 0:
        status, body = server.call("POST", path + "/targets", {
            "kind": "server", "name": f"Crash server {uuid.uuid4().hex[:8]}",
            "selectors": [{"kind": "ip", "value": f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"}],
            "handling": "H0", "evaluation": "B2", "distribution": "all"}, token=token)
        if status == 201:
            acknowledged.add("target", body["id"])
    elif kind == 1:
        action = actions[number % len(actions)]
        # Planned and ready take turns forever; a report that finds the other state is refused (409).
        for wanted in ("ready", "planned"):
            status, body = server.call("POST", f"{path}/actions/{action}/status", {"status": wanted}, token=token)
            if status == 200:
                acknowledged.add("report", action)
                break
    else:
        content = os.urandom(random.randint(1, 200_000))
        data, content_type = multipart(
            {"subject": f"Crash report {number}", "body": "Written while the server may die.", "handling": "H0",
             "evaluation": "B2", "distribution": "all"}, f"evidence-{number}.bin", content)
        status, body = server.call("POST", path + "/messages", raw=data, content_type=content_type, token=token)
        if status == 201:
            attachment = body["attachments"][0]
            acknowledged.add("message", body["id"], (attachment["id"], hashlib.sha256(content).hexdigest()))


def fire(server, token, operation, actions, acknowledged):
    """Sends the thousand writes from CLIENTS threads; returns once the server dies or all are done."""
    numbers = list(range(WRITES))
    random.shuffle(numbers)
    queue_lock = threading.Lock()

    def client():
        while True:
            with queue_lock:
                if not numbers:
                    return
                number = numbers.pop()
            try:
                write(server, token, operation, actions, acknowledged, number)
            except (OSError, http.client.HTTPException):
                return  # the server is gone: what was not answered was not acknowledged

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    return threads


def attachment_file_name(key, sha256):
    naming = hmac.new(key, b"concert attachment file names", hashlib.sha256).digest()
    return hmac.new(naming, sha256.encode(), hashlib.sha256).hexdigest()


def check(server, folder, operation, acknowledged, attachments_folder, key):
    token = server.token("fr-officer")
    targets = {t["id"] for t in server.all_pages(f"/api/v1/operations/{operation}/targets", token)}
    missing = acknowledged.targets - targets
    assert not missing, f"{len(missing)} acknowledged targets are gone"
    messages = {m["id"]: m for m in server.all_pages(f"/api/v1/operations/{operation}/messages", token)}
    lost = set(acknowledged.messages) - set(messages)
    assert not lost, f"{len(lost)} acknowledged messages are gone"
    events = server.events(operation, token)
    created = {e["data"]["id"] for e in events if e["kind"] == "target.created"}
    sent = {e["data"]["messageId"] for e in events if e["kind"] == "message.sent"}
    assert not (targets - created), f"{len(targets - created)} targets without their event"
    assert set(messages) <= sent, "a message without its event"
    reports = {}
    for event in events:
        if event["kind"] == "action.statusChanged":
            reports[event["data"]["id"]] = reports.get(event["data"]["id"], 0) + 1
    for action, count in acknowledged.reports.items():
        assert reports.get(action, 0) >= count, f"acknowledged status reports of {action} are gone"
    # Every acknowledged attachment is whole; a sample of them is read byte for byte.
    kept = set()
    for message in messages.values():
        for attachment in message.get("attachments", []):
            kept.add(attachment_file_name(key, attachment["sha256"]))
    for message_id, (attachment_id, digest) in random.sample(sorted(acknowledged.messages.items()),
                                                             min(25, len(acknowledged.messages))):
        status, content = server.call(
            "GET", f"/api/v1/operations/{operation}/messages/{message_id}/attachments/{attachment_id}", token=token)
        assert status == 200 and hashlib.sha256(content).hexdigest() == digest, "an attachment is damaged"
    # The folder holds the files of stored messages only, once the start's sweep is done.
    deadline = time.time() + 15
    while True:
        on_disk = set()
        for directory in os.listdir(attachments_folder):
            for name in os.listdir(os.path.join(attachments_folder, directory)):
                on_disk.add(name if directory != "staging" else "staging/" + name)
        stray = on_disk - kept
        if not stray or time.time() > deadline:
            break
        time.sleep(0.2)
    assert not stray, f"{len(stray)} attachment files without a message: {sorted(stray)[:3]}"
    assert kept <= on_disk, "a stored message's file is missing"


def audit(database, folder):
    result = subprocess.run([BINARY, "audit", "verify", "--database", database], cwd=folder,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def crash_rounds(database, folder):
    server = Server(database, folder)
    server.start()
    try:
        coordinator = server.token("coordinator")
        status, operations = server.call("GET", "/api/v1/operations", token=coordinator)
        operation = operations["items"][0]["id"]
        officer = server.token("fr-officer")
        status, me = server.call("GET", "/api/v1/me", token=officer)
        agency = me["user"]["agencyId"]
        actions = [a["id"] for a in server.all_pages(f"/api/v1/operations/{operation}/actions", officer)
                   if a.get("executingAgencyId") == agency and a["status"] in ("planned", "ready")]
        assert actions, "France's officer has no action to report on"
        key = base64.b64decode(open(os.path.join(folder, "concert.attachment-key")).read().strip()) \
            if database.startswith("postgres") else \
            base64.b64decode(open(database + ".attachment-key").read().strip())
        attachments_folder = os.path.join(folder, "concert-attachments") if database.startswith("postgres") \
            else database + "-attachments"
        acknowledged = Acknowledged()
        for round_number in range(ROUNDS):
            token = server.token("fr-officer")
            threads = fire(server, token, operation, actions, acknowledged)
            time.sleep(random.uniform(0.3, 3.0))
            server.kill()
            for thread in threads:
                thread.join(timeout=60)
            server.start()
            check(server, folder, operation, acknowledged, attachments_folder, key)
            audit(database, folder)
            print(f"round {round_number + 1}: {len(acknowledged.targets)} targets, {len(acknowledged.messages)} "
                  f"messages, {sum(acknowledged.reports.values())} reports acknowledged so far; all there")
    finally:
        server.stop()


def test_crashes_on_sqlite():
    folder = tempfile.mkdtemp(prefix="concert-crash-sqlite-")
    crash_rounds(os.path.join(folder, "crash.sqlite"), folder)


def test_crashes_on_postgres():
    url = os.environ.get("CONCERT_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("no PostgreSQL server: run under scripts/with-postgres")
    name = "crash_" + uuid.uuid4().hex[:8]
    subprocess.run(["psql", url, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    parsed = urllib.parse.urlsplit(url)
    database = urllib.parse.urlunsplit(parsed._replace(path="/" + name))
    folder = tempfile.mkdtemp(prefix="concert-crash-postgres-")
    crash_rounds(database, folder)
