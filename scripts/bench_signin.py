#!/usr/bin/env python3
"""Sign-in under a password-guessing flood, next to the same server undisturbed.

    scripts/bench signin        (or: python3 scripts/bench_signin.py PATH/TO/concert)

Starts `concert demo` (release build) in a scratch folder on 127.0.0.1. A legitimate user
signs in (fr-officer, the right password) and reads GET /api/v1/me, one request at a time,
first alone for REFERENCE_SECONDS, then while 8 guessing clients, each from its own loopback
address (127.0.0.2 ... 127.0.0.9), post wrong passwords for other accounts as fast as the
server answers, for FLOOD_SECONDS. Prints p50/p99 of both phases, their ratio, and what the
guessers got (401: the password was checked; 429: held back without checking it).
Bounded in time and count; every address is on the loopback interface.
"""

import http.client
import json
import os
import random
import sys
import threading
import time

from bench_support import PASSWORD, percentile, running_demo

REFERENCE_SECONDS = float(os.environ.get("CONCERT_BENCH_REFERENCE_SECONDS", "10"))
FLOOD_SECONDS = float(os.environ.get("CONCERT_BENCH_FLOOD_SECONDS", "20"))
GUESSERS = 8


def request(connection, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    start = time.perf_counter()
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    data = response.read()
    return response.status, data, (time.perf_counter() - start) * 1000


def legitimate(port, seconds):
    """Signs in and reads /me one request at a time for `seconds`; returns both latencies."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sign_ins, reads, refused = [], [], 0
    token = None
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        status, data, elapsed = request(
            connection, "POST", "/api/v1/sessions", {"username": "fr-officer", "password": PASSWORD})
        if status == 201:
            sign_ins.append(elapsed)
            token = json.loads(data)["token"]
        else:
            refused += 1
        if token:
            status, _, elapsed = request(connection, "GET", "/api/v1/me", token=token)
            if status == 200:
                reads.append(elapsed)
        time.sleep(0.05)
    connection.close()
    return sign_ins, reads, refused


def guesser(port, address, stop, tally, lock):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(address, 0))
    counts = {}
    while not stop.is_set():
        name = random.choice(["us-officer", "de-officer", "nl-officer", "admin", "coordinator"])
        if random.random() < 0.5:
            name = "guess-%06d" % random.randrange(1_000_000)
        try:
            status, _, _ = request(
                connection, "POST", "/api/v1/sessions", {"username": name, "password": "Guess-%d" % random.randrange(10**9)})
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(address, 0))
            status = "error"
        counts[status] = counts.get(status, 0) + 1
    with lock:
        for status, count in counts.items():
            tally[status] = tally.get(status, 0) + count


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/concert"
    with running_demo(binary, prefix="concert-bench-signin-") as base:
        port = int(base.rsplit(":", 1)[1])
        print("== Sign-in of a legitimate user while %d clients guess passwords (concert demo, 127.0.0.1)" % GUESSERS,
              flush=True)
        alone = legitimate(port, REFERENCE_SECONDS)
        stop, lock, tally = threading.Event(), threading.Lock(), {}
        threads = [
            threading.Thread(target=guesser, args=(port, "127.0.0.%d" % (index + 2), stop, tally, lock))
            for index in range(GUESSERS)
        ]
        for thread in threads:
            thread.start()
        flooded = legitimate(port, FLOOD_SECONDS)
        stop.set()
        for thread in threads:
            thread.join()

        for label, (sign_ins, reads, refused) in (("alone", alone), ("under the flood", flooded)):
            print("   %-16s sign-in p50 %7.1f ms  p99 %7.1f ms (%d, %d refused) | GET /me p50 %6.2f ms  p99 %6.2f ms (%d)" % (
                label, percentile(sign_ins, 0.5), percentile(sign_ins, 0.99), len(sign_ins), refused,
                percentile(reads, 0.5), percentile(reads, 0.99), len(reads)), flush=True)
        print("   ratio under the flood / alone: sign-in p99 %.2f, GET /me p99 %.2f" % (
            percentile(flooded[0], 0.99) / percentile(alone[0], 0.99),
            percentile(flooded[1], 0.99) / percentile(alone[1], 0.99)))
        answered = sum(v for k, v in tally.items() if k != "error")
        print("   guessers: %d attempts in %.0f s; %d had their password checked (401), %d were held back (429)%s" % (
            answered, FLOOD_SECONDS, tally.get(401, 0), tally.get(429, 0),
            ", %d connection errors" % tally["error"] if "error" in tally else ""))


if __name__ == "__main__":
    main()
