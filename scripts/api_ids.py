"""Writes a schemathesis configuration that sends the demo's real ids (scripts/check-api).

    python3 scripts/api_ids.py BASE_URL COORDINATOR_TOKEN ADMIN_TOKEN OUT.toml

Random ids get a 404 from every route that names a record, so the fuzzer never reaches what
lies behind it. This first records, as the demo's coordinator, what the demo lacks (a log entry,
a sitrep, an exclusion, a message with an attachment and a request to pass it on), then reads
the ids the coordinator and an agency administrator can see (operations, targets, actions and
their gates, instruments, messages and their attachments, log entries, exhibits, sitreps, hits,
exclusions, users) and writes the checked-in schemathesis.toml with a
dictionary of each and a binding of each path parameter to it: eight requests in ten name a
real record, the other two a generated one. A session's id is left generated: the fuzzer would
end its own session.
"""

import json
import sys
import urllib.request

base, coordinator, admin, out = sys.argv[1:5]


def get(path, token):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except Exception:
        return None


def send(method, path, token, body=None, data=None, content_type="application/json"):
    request = urllib.request.Request(base + path, method=method, headers={"Authorization": f"Bearer {token}"})
    if body is not None or data is not None:
        request.data = data if data is not None else json.dumps(body).encode()
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except Exception:
        return None


def ids(body, key="id"):
    items = body.get("items", []) if isinstance(body, dict) else (body or [])
    return [item[key] for item in items if isinstance(item, dict) and isinstance(item.get(key), str)]


found = {name: [] for name in [
    "operationId", "targetId", "actionId", "instrumentId", "messageId", "attachmentId", "entryId", "exhibitId",
    "sitrepId", "hitId", "exclusionId", "userId", "forwardId", "gateId"]}
found["operationId"] = ids(get("/api/v1/operations", coordinator))
operations = get("/api/v1/operations", coordinator) or {"items": []}
for operation in operations["items"]:
    path = f"/api/v1/operations/{operation['id']}"
    send("POST", path + "/log", coordinator, {"text": "A reference entry for the API fuzzer."})
    send("POST", path + "/sitreps", coordinator, {"summary": "A reference draft for the API fuzzer."})
    boundary = "concertfuzzerreference"
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"message\"\r\n"
            f"Content-Type: application/json\r\n\r\n").encode() + json.dumps({
                "subject": "Reference message for the API fuzzer", "body": "With a file.", "handling": "H0",
                "evaluation": "B2", "distribution": [operation["leadAgencyId"]]}).encode() + (
        f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"reference.txt\"\r\n"
        f"Content-Type: text/plain\r\n\r\nreference\r\n--{boundary}--\r\n").encode()
    message = send("POST", path + "/messages", coordinator, data=form,
                   content_type=f"multipart/form-data; boundary={boundary}")
    others = [p["agencyId"] for p in operation.get("participants", []) if p["agencyId"] != operation["leadAgencyId"]]
    if message and others:
        forward = send("POST", f"{path}/messages/{message['id']}/forwards", coordinator,
                       {"agencyId": others[0], "reason": "A reference request for the API fuzzer."})
        if forward and isinstance(forward.get("id"), str):
            found["forwardId"].append(forward["id"])
send("POST", "/api/v1/crosscheck/exclusions", coordinator,
     {"kind": "ip", "value": "203.0.113.77", "reason": "A reference exclusion for the API fuzzer."})
for operation in found["operationId"]:
    path = f"/api/v1/operations/{operation}"
    found["targetId"] += ids(get(path + "/targets?limit=30", coordinator))
    actions = get(path + "/actions?limit=500", coordinator) or {}
    gated = [a for a in actions.get("items", []) if a.get("gates")]
    # The actions with gates first, so that a gate's route meets its own action now and then.
    found["actionId"] += [a["id"] for a in gated] + ids(actions)[:30]
    for action in gated:
        found["gateId"] += [g["id"] for g in action["gates"] if isinstance(g, dict) and "id" in g]
    found["instrumentId"] += ids(get(path + "/instruments", coordinator))
    messages = get(path + "/messages?limit=30", coordinator) or {}
    found["messageId"] += ids(messages)
    for message in messages.get("items", []):
        found["attachmentId"] += [a["id"] for a in message.get("attachments", []) if "id" in a]
    found["entryId"] += ids(get(path + "/log?limit=30", coordinator))
    found["exhibitId"] += ids(get(path + "/exhibits?limit=30", coordinator))
    found["sitrepId"] += ids(get(path + "/sitreps", coordinator))
found["hitId"] = ids(get("/api/v1/hits", coordinator))
found["exclusionId"] = ids(get("/api/v1/crosscheck/exclusions", coordinator))
found["userId"] = ids(get("/api/v1/users", admin))

lines = [open("schemathesis.toml").read().rstrip(), "",
         "# Written by scripts/api_ids.py: the demo's real ids, for eight requests in ten."]
bindings = []
for name, values in found.items():
    values = sorted(set(values))[:60]
    if not values:
        continue
    lines += ["", f"[dictionaries.{name}]", "values = [" + ", ".join(json.dumps(v) for v in values) + "]"]
    bindings.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.8 }}')
lines += ["", "[parameters]"] + bindings
open(out, "w").write("\n".join(lines) + "\n")
print("real ids for the fuzzer: " + ", ".join(f"{len(set(v))} {k}" for k, v in found.items() if v))
