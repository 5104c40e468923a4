#!/usr/bin/env python3
"""The exhibit register at the size of a large seizure: 10,000 exhibits, 100,000 custody entries.

    scripts/bench exhibits        (or: python3 scripts/bench_exhibits.py PATH/TO/concert)

Starts `concert demo` (release build) in a scratch folder on 127.0.0.1. France's officer takes
its three server takedowns to "in progress" and records 10,000 exhibits from them through the
API (a quarter for the lead agency alone), then adds custody entries until there are 100,000:
each exhibit is sealed, stored, examined (its hash re-checked), imaged, moved, examined again
and corrected; every tenth is handed over to the lead agency, which confirms its receipt.
Writes run from 8 threads. Then prints, each over 50 requests (target in brackets):
- GET …/exhibits, the first page of 100, as the French officer and as the Italian officer, who
  may read three exhibits in four (median under 50 ms);
- the register page as the French officer (median under 50 ms);
- one exhibit with its chain, GET …/exhibits/{id} (median under 5 ms);
- the CASE/UCO export of everything France holds, GET …/exhibits/case (under 2 s; 5 requests).
Bounded in count and time; loopback only.
"""

import concurrent.futures
import os
import sys
import threading
import time

from bench_support import Client, percentile, running_demo

EXHIBITS = int(os.environ.get("CONCERT_BENCH_EXHIBITS", "10000"))
THREADS = 8
DIGEST = "ab" * 32


def timed(function, count):
    times = []
    for _ in range(count):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def grow(base):
    coordinator, officer = Client(base, "coordinator"), Client(base, "fr-officer")
    operation = next(o for o in coordinator.call("GET", "/api/v1/operations")[1]["items"] if o["codeName"] == "SPARKLER")
    path = f"/api/v1/operations/{operation['id']}"
    agencies = coordinator.call("GET", "/api/v1/agencies")[1]["items"]
    france = next(a for a in agencies if a["country"] == "FR" and a["kind"] == "police")
    lead = operation["leadAgencyId"]
    actions = [a for a in coordinator.call("GET", path + "/actions")[1]["items"]
               if a["executingAgencyId"] == france["id"] and a["kind"] == "serverTakedown" and not a.get("gates")]
    for action in actions:
        for client, status in [(officer, "ready"), (coordinator, "go"), (officer, "inProgress")]:
            client.call("POST", path + f"/actions/{action['id']}/status", {"status": status})

    local = threading.local()

    sessions = {"fr-officer": officer, "coordinator": coordinator}

    def client(username):
        """`username`'s session over this thread's own connection."""
        clients = local.__dict__.setdefault("clients", {})
        if username not in clients:
            clients[username] = sessions[username].another()
        return clients[username]

    def record(number):
        body = {
            "actionId": actions[number % len(actions)]["id"], "kind": ["server", "diskImage", "phone"][number % 3],
            "description": f"Item {number} from the data centre", "handling": "H0", "evaluation": "A1",
            "distribution": [lead] if number % 4 == 0 else "all",
            "hashes": [{"algorithm": "SHA-256", "value": DIGEST}], "sizeBytes": 1_000_000 + number,
        }
        return client("fr-officer").call("POST", path + "/exhibits", body)[1]["id"]

    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        ids = list(pool.map(record, range(EXHIBITS)))
    print(f"   recorded {len(ids)} exhibits in {time.time() - started:.1f} s "
          f"({len(ids) / (time.time() - started):.0f} a second)")

    def chain(pair):
        number, exhibit = pair
        french = client("fr-officer")
        steps = [
            {"kind": "sealed", "sealNumber": f"FR-SEAL-{number}"},
            {"kind": "stored", "location": "OCLCTIC evidence room, Nanterre"},
            {"kind": "examined", "note": "Seal intact, hash recomputed", "hashCheck": {"algorithm": "SHA-256", "value": DIGEST}},
            {"kind": "imaged", "note": "Imaged by the forensic laboratory"},
            {"kind": "stored", "location": "Forensic laboratory, Écully"},
            {"kind": "examined", "note": "Examined for the prosecutor"},
        ]
        ids = []
        for step in steps:
            ids.append(french.call("POST", path + f"/exhibits/{exhibit}/custody", step)[1]["id"])
        if number % 10 == 0:
            handed = french.call("POST", path + f"/exhibits/{exhibit}/custody",
                                 {"kind": "handedOver", "toAgencyId": lead})[1]["id"]
            client("coordinator").call("POST", path + f"/exhibits/{exhibit}/custody/{handed}/receipt",
                                       {"hashCheck": {"algorithm": "SHA-256", "value": DIGEST}})
            return 8
        french.call("POST", path + f"/exhibits/{exhibit}/custody",
                    {"kind": "correction", "corrects": ids[5], "note": "Examined on the 8th, not the 7th"})
        french.call("POST", path + f"/exhibits/{exhibit}/custody", {"kind": "stored", "location": "Court registry, Paris"})
        french.call("POST", path + f"/exhibits/{exhibit}/custody", {"kind": "examined", "note": "Checked before trial"})
        return 9

    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        entries = EXHIBITS + sum(pool.map(chain, enumerate(ids)))
    print(f"   and {entries} custody entries in all ({entries - EXHIBITS} added in {time.time() - started:.1f} s, "
          f"{(entries - EXHIBITS) / (time.time() - started):.0f} a second)")
    return path, operation["id"], ids, officer


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/concert"
    with running_demo(binary, prefix="concert-bench-exhibits-") as base:
        print(f"== The exhibit register with {EXHIBITS} exhibits and 10 custody entries each "
              "(targets: list and register page median < 50 ms, one exhibit < 5 ms, CASE export < 2 s)")
        path, operation_id, ids, officer = grow(base)
        italian = Client(base, "it-officer")
        for name, client in [("the French officer", officer), ("the Italian officer", italian)]:
            times = timed(lambda: client.raw(path + "/exhibits"), 50)
            print(f"   GET …/exhibits (first page of 100) as {name}: median {percentile(times, 0.5):.1f} ms, "
                  f"p99 {percentile(times, 0.99):.1f} ms")
        times = timed(lambda: officer.raw(path + "/exhibits?kind=phone&inTransit=false&limit=100"), 50)
        print(f"   GET …/exhibits filtered (phones not in transit): median {percentile(times, 0.5):.1f} ms, "
              f"p99 {percentile(times, 0.99):.1f} ms")
        times = timed(lambda: officer.raw(f"/operations/{operation_id}/exhibits"), 50)
        print(f"   the register page as the French officer: median {percentile(times, 0.5):.1f} ms, "
              f"p99 {percentile(times, 0.99):.1f} ms")
        one = ids[len(ids) // 2]
        times = timed(lambda: officer.raw(path + f"/exhibits/{one}"), 50)
        print(f"   one exhibit with its chain of 10: median {percentile(times, 0.5):.2f} ms, "
              f"p99 {percentile(times, 0.99):.2f} ms")
        size = len(officer.raw(path + "/exhibits/case"))
        times = timed(lambda: officer.raw(path + "/exhibits/case"), 5)
        print(f"   CASE/UCO export of everything France holds ({size / 1048576:.1f} MiB): "
              f"median {percentile(times, 0.5) / 1000:.2f} s, worst {max(times) / 1000:.2f} s")


if __name__ == "__main__":
    main()
