"""What an operator sees of a running server: Prometheus metrics (read with the
`prometheus_client` package's own parser), readiness, and a JSON log with a request id on
every request's line and no secret or selector value in any line.

The server allows /metrics to 127.0.0.2 only: a scrape from that source address is
answered, one from 127.0.0.1 (where the users are) refused.
"""

import http.client
import json
import time

import pytest
from concert_demo import running_demo
from prometheus_client.parser import text_string_to_metric_families

PASSWORD = "concert-demo-2020"
# A selector value only this test sends: it must never reach the log.
SECRET_SELECTOR = "zq-operations-test@never-logged.example"


@pytest.fixture(scope="module")
def server():
    with running_demo("concert-operations-", ["--log-format", "json", "--metrics-allow", "127.0.0.2"]) as demo:
        yield {"port": demo.port, "log": demo.stderr}


def request(server, method, path, body=None, token=None, source="127.0.0.1"):
    connection = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=30, source_address=(source, 0))
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    payload = response.read().decode()
    connection.close()
    return response.status, dict(response.getheaders()), payload


def sign_in(server, username, password=PASSWORD):
    status, _, body = request(server, "POST", "/api/v1/sessions", {"username": username, "password": password})
    return status, (json.loads(body).get("token") if status == 201 else None)


def scrape(server):
    status, headers, body = request(server, "GET", "/metrics", source="127.0.0.2")
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples, body


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


def test_metrics_count_what_happened(server):
    before, _ = scrape(server)
    status, token = sign_in(server, "coordinator")
    assert status == 201
    status, _, _ = request(server, "GET", "/api/v1/operations", token=token)
    assert status == 200
    for _ in range(4):
        status, _, body = request(server, "GET", "/api/v1/operations", token=token)
        assert status == 200
    assert sign_in(server, "coordinator", "not-the-password")[0] == 401
    checked = [{"kind": "email", "value": SECRET_SELECTOR}, {"kind": "ip", "value": "198.51.100.77"}]
    status, _, body = request(server, "POST", "/api/v1/crosscheck", {"selectors": checked}, token=token)
    assert status == 200, body
    after, text = scrape(server)

    route = {"route": "/api/v1/operations", "method": "GET", "status": "200"}
    assert value(after, "concert_http_requests_total", **route) - value(before, "concert_http_requests_total", **route) == 5
    histogram = {"route": "/api/v1/operations", "method": "GET"}
    assert value(after, "concert_http_request_duration_seconds_count", **histogram) >= 5
    assert value(after, "concert_http_request_duration_seconds_bucket", le="+Inf", **histogram) >= 5
    assert value(after, "concert_sign_in_failures_total") - value(before, "concert_sign_in_failures_total") == 1
    assert value(after, "concert_cross_check_lookups_total") - value(before, "concert_cross_check_lookups_total") == 2
    assert value(after, "concert_cross_check_index_ready") == 1
    assert value(after, "concert_cross_check_index_selectors") > 100  # the demo's 60 servers and more
    assert value(after, "concert_log_events") > value(before, "concert_log_events")
    assert value(after, "concert_database_connections_limit", pool="requests") >= 2
    assert "concert_live_subscribers" in text
    # No value a user sent is a label: neither the checked selector nor a token.
    assert SECRET_SELECTOR not in text and token not in text


def test_live_subscribers_are_counted(server):
    _, token = sign_in(server, "coordinator")
    _, _, body = request(server, "GET", "/api/v1/operations", token=token)
    operation = json.loads(body)["items"][0]["id"]
    connection = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=30)
    connection.request("GET", f"/api/v1/operations/{operation}/live?follow=true",
                       headers={"authorization": f"Bearer {token}", "accept": "text/event-stream"})
    response = connection.getresponse()
    assert response.status == 200
    deadline = time.time() + 10
    while True:
        samples, _ = scrape(server)
        if value(samples, "concert_live_subscribers") >= 1 or time.time() > deadline:
            break
        time.sleep(0.1)
    assert value(samples, "concert_live_subscribers") >= 1
    connection.close()


def test_metrics_refused_to_addresses_not_allowed(server):
    status, headers, body = request(server, "GET", "/metrics")
    assert status == 403
    assert headers["Content-Type"] == "application/problem+json"
    assert "--metrics-allow" in json.loads(body)["detail"]
    assert "concert_http_requests_total" not in body


def test_ready(server):
    status, _, body = request(server, "GET", "/api/v1/ready")
    assert status == 200
    assert json.loads(body)["status"] == "ready"


def test_json_log_has_request_ids_and_no_secrets(server):
    status, token = sign_in(server, "fr-officer")
    assert status == 201
    status, headers, _ = request(server, "GET", "/api/v1/me", token=token)
    assert status == 200
    request_id = headers["X-Request-Id"]
    request(server, "POST", "/api/v1/crosscheck", {"selectors": [{"kind": "email", "value": SECRET_SELECTOR}]},
            token=token)
    request(server, "GET", f"/api/v1/operations?q={SECRET_SELECTOR}", token=token)
    time.sleep(0.5)
    with open(server["log"]) as handle:
        lines = [line for line in handle.read().splitlines() if line.strip()]
    assert lines, "the server logged nothing"
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    for entry in entries:
        assert {"time", "level", "label", "message"} <= entry.keys()
    requests = [entry for entry in entries if entry["message"] == "request"]
    assert requests, "no request was logged"
    for entry in requests:
        assert entry.get("hb.request.id"), entry
        assert entry["route"].startswith("/"), entry
    me = [entry for entry in requests if entry.get("hb.request.id") == request_id]
    assert len(me) == 1 and me[0]["route"] == "/api/v1/me" and me[0]["status"] == "200"
    text = "\n".join(lines)
    for secret in [PASSWORD, token, SECRET_SELECTOR, "never-logged"]:
        assert secret not in text, f"the log holds {secret!r}"
