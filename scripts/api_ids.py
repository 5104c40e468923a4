"""Writes a schemathesis configuration that sends the demo's real ids (scripts/check-api).

    python3 scripts/api_ids.py BASE_URL COORDINATOR_TOKEN ADMIN_TOKEN OUT.toml

Random ids get a 404 from every route that names a record, so the fuzzer never reaches what
lies behind it. This reads the ids the demo's coordinator and agency administrator can see
(operations, targets, actions, instruments, messages and their attachments, log entries,
exhibits, sitreps, hits, exclusions, users) and writes the checked-in schemathesis.toml with a
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


def ids(body, key="id"):
    items = body.get("items", []) if isinstance(body, dict) else (body or [])
    return [item[key] for item in items if isinstance(item, dict) and isinstance(item.get(key), str)]


found = {name: [] for name in [
    "operationId", "targetId", "actionId", "instrumentId", "messageId", "attachmentId", "entryId", "exhibitId",
    "sitrepId", "hitId", "exclusionId", "userId", "forwardId", "gateId"]}
found["operationId"] = ids(get("/api/v1/operations", coordinator))
for operation in found["operationId"]:
    path = f"/api/v1/operations/{operation}"
    found["targetId"] += ids(get(path + "/targets?limit=30", coordinator))
    found["actionId"] += ids(get(path + "/actions?limit=30", coordinator))
    found["instrumentId"] += ids(get(path + "/instruments", coordinator))
    messages = get(path + "/messages?limit=30", coordinator) or {}
    found["messageId"] += ids(messages)
    for message in messages.get("items", []):
        found["attachmentId"] += [a["id"] for a in message.get("attachments", []) if "id" in a]
    found["entryId"] += ids(get(path + "/log?limit=30", coordinator))
    found["exhibitId"] += ids(get(path + "/exhibits?limit=30", coordinator))
    found["sitrepId"] += ids(get(path + "/sitreps", coordinator))
    day = get(path + "/day", coordinator) or {}
    found["gateId"] += [g["id"] for g in day.get("gates", []) if isinstance(g, dict) and "id" in g] \
        if isinstance(day, dict) else []
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
