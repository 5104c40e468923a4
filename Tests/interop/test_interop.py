"""Concert's interop with partners' tools, through a running `concert demo`, each format checked
by its own Python tools from PyPI:

- the STIX 2.1 export validates with the OASIS validator (`stix2-validator`, strict) and parses
  with `stix2`; two exports are byte-identical;
- the MISP export loads with PyMISP (`pymisp`), one object per target holding its selectors,
  each object following its MISP object template;
- the action-day schedule parses with `icalendar`: one VEVENT per action of the agency, in UTC;
  only a lead coordinator reads another agency's;
- bundles built with `stix2` and events built with PyMISP import with the counts, selectors and
  handling expected (dry run first, which writes nothing); an unchanged bundle imported again
  changes nothing;
- the STIX export read back (dry run into the same operation, and for real into another
  operation) gives the targets it was made of;
- a malformed CSV table, MISP event and STIX bundle are refused whole (422, the place of the
  first error named), and nothing is written.

Every value the tests import is their own (198.51.100.7x–9x, *.example names the demo does not
hold), so that the demo's data does not interfere.
"""

import collections
import http.client
import json
import logging
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

import icalendar
import pymisp
import pytest
import stix2
from concert_demo import running_demo
from stix2validator import ValidationOptions, print_results, validate_string

PASSWORD = "concert-demo-2020"
OFFICER = "cy-officer"  # an officer of a participating agency (Cyprus), which executes actions
COORDINATOR = "coordinator"  # the lead agency's case coordinator
OPERATION = "SPARKLER"


@pytest.fixture(scope="module")
def server():
    with running_demo("concert-interop-") as demo:
        yield {"port": demo.port, "tokens": {}}


def request(server, method, path, body=None, token=None, content_type="application/json"):
    """Sends `body` (a str or bytes as it is, anything else as JSON); answers status, headers
    and the body as text."""
    connection = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=60)
    headers = {}
    if body is not None:
        if not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        headers["content-type"] = content_type
    if token:
        headers["authorization"] = f"Bearer {token}"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read().decode()
    connection.close()
    return response.status, {key.lower(): value for key, value in response.getheaders()}, payload


def token_of(server, username):
    """A session of `username`, signed in once per server."""
    tokens = server["tokens"]
    if username not in tokens:
        status, _, body = request(server, "POST", "/api/v1/sessions", {"username": username, "password": PASSWORD})
        assert status == 201, body
        tokens[username] = json.loads(body)["token"]
    return tokens[username]


def operation_id(server, username, code_name=OPERATION):
    status, _, body = request(server, "GET", "/api/v1/operations", token=token_of(server, username))
    assert status == 200, body
    found = [item["id"] for item in json.loads(body)["items"] if item["codeName"] == code_name]
    assert found, f"{username} does not take part in {code_name}"
    return found[0]


def own_agency(server, username):
    status, _, body = request(server, "GET", "/api/v1/me", token=token_of(server, username))
    assert status == 200, body
    return json.loads(body)["user"]["agencyId"]


def all_items(server, username, path):
    """Every item of a paged list, following `next`."""
    items = []
    after = None
    separator = "&" if "?" in path else "?"
    while True:
        query = f"{path}{separator}limit=500" + (f"&after={urllib.parse.quote(after)}" if after else "")
        status, _, body = request(server, "GET", query, token=token_of(server, username))
        assert status == 200, body
        page = json.loads(body)
        items += page["items"]
        after = page.get("next")
        if not after:
            return items


def targets(server, username, operation):
    return all_items(server, username, f"/api/v1/operations/{operation}/targets")


def target_ids(server, username, operation):
    return sorted(target["id"] for target in targets(server, username, operation))


def import_file(server, username, operation, body, content_type, **query):
    path = f"/api/v1/operations/{operation}/targets/import"
    if query:
        path += "?" + urllib.parse.urlencode(query)
    status, headers, text = request(server, "POST", path, body, token=token_of(server, username),
                                    content_type=content_type)
    return status, headers, text


def selector_keys(target):
    return sorted((selector["kind"], selector["matchKey"]) for selector in target["selectors"])


def export_stix(server, username, operation):
    status, headers, text = request(server, "GET", f"/api/v1/operations/{operation}/exports/stix",
                                    token=token_of(server, username))
    assert status == 200, text
    assert headers["content-type"] == "application/stix+json;version=2.1"
    return text


# 1. STIX export


def test_stix_export_validates_and_parses(server):
    operation = operation_id(server, OFFICER)
    text = export_stix(server, OFFICER, operation)
    results = validate_string(text, ValidationOptions(strict=True))
    if not results.is_valid:
        print_results(results)
    assert results.is_valid, "stix2-validator (strict) refuses the STIX export; its findings are printed above"
    bundle = stix2.parse(text, allow_custom=True)
    assert bundle.type == "bundle"
    assert len(bundle.objects) == len(json.loads(text)["objects"])
    # One infrastructure, individual or threat actor per target the officer reads.
    anchors = [obj for obj in bundle.objects
               if obj.type in ("infrastructure", "threat-actor")
               or (obj.type == "identity" and obj.get("identity_class") == "individual")]
    readable = targets(server, OFFICER, operation)
    assert len(anchors) == len(readable)
    assert sorted(anchor.name for anchor in anchors) == sorted(target["name"] for target in readable)
    again = export_stix(server, OFFICER, operation)
    assert again == text, "two exports of unchanged targets differ"


# 2. MISP export


def load_misp_export(server, username, operation):
    status, headers, text = request(server, "GET", f"/api/v1/operations/{operation}/exports/misp",
                                    token=token_of(server, username))
    assert status == 200, text
    assert headers["content-type"].startswith("application/json")
    event = pymisp.MISPEvent()
    event.load(text)
    return event


def exported_value(selector):
    """A selector's value as the exports write it: a person's name, a phone number in full
    (E.164, its match key: written nationally, an importer would read it as its own country's),
    any other as its originator wrote it."""
    value = selector["value"]
    if isinstance(value, dict):
        return value["name"]
    return selector["matchKey"] if selector["kind"] == "phone" else value


def test_misp_export_loads_with_pymisp(server):
    operation = operation_id(server, OFFICER)
    event = load_misp_export(server, OFFICER, operation)
    readable = targets(server, OFFICER, operation)
    assert readable
    assert len(event.objects) == len(readable), "the MISP event does not hold one object per target"
    values = {attribute.value for obj in event.objects for attribute in obj.attributes}
    wanted = {exported_value(selector) for target in readable for selector in target["selectors"]}
    assert wanted - values == set(), "selectors of targets missing from the MISP export"
    # Each target's selectors are in one object, the one that bears its name.
    by_name = {}
    for obj in event.objects:
        names = [attribute.value for attribute in obj.attributes if attribute.object_relation in ("text", "name")]
        assert names, f"the object {obj.uuid} carries no name"
        by_name[names[0]] = {attribute.value for attribute in obj.attributes}
    for target in readable:
        assert target["name"] in by_name, target["name"]
        missing = {exported_value(selector) for selector in target["selectors"]} - by_name[target["name"]]
        assert not missing, f"the object of '{target['name']}' lacks {missing}"


def test_misp_export_objects_follow_their_templates(server, caplog):
    """PyMISP checks each object's attributes against its template (misp-objects) as it loads,
    and warns of an object_relation the template does not have; MISP shows such objects as not
    following their template."""
    operation = operation_id(server, OFFICER)
    with caplog.at_level(logging.WARNING, logger="pymisp"):
        load_misp_export(server, OFFICER, operation)
    warnings = sorted({record.getMessage() for record in caplog.records if record.name.startswith("pymisp")})
    assert warnings == [], "PyMISP finds attributes the objects' templates do not have:\n" + "\n".join(warnings)


# 3. iCalendar schedule


def schedule(server, username, operation, agency=None):
    path = f"/api/v1/operations/{operation}/schedule.ics" + (f"?agency={agency}" if agency else "")
    return request(server, "GET", path, token=token_of(server, username))


def utc(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def check_calendar(server, username, operation, agency, text):
    calendar = icalendar.Calendar.from_ical(text)
    events = calendar.walk("VEVENT")
    actions = all_items(server, username, f"/api/v1/operations/{operation}/actions?agency={agency}")
    assert actions, "the agency executes no action in the demo"
    assert len(events) == len(actions), "not one VEVENT per action of the agency"
    status, _, body = request(server, "GET", f"/api/v1/operations/{operation}", token=token_of(server, username))
    assert status == 200, body
    h_hour = utc(json.loads(body)["hHour"])
    by_uid = {}
    for event in events:
        uid = str(event.get("UID", ""))
        assert uid, "a VEVENT has no UID"
        assert uid not in by_uid, f"two VEVENTs share the UID {uid}"
        by_uid[uid] = event
        for name in ("DTSTART", "DTEND"):
            moment = event.decoded(name)
            assert isinstance(moment, datetime) and moment.tzinfo is not None, f"{name} of {uid} is not a UTC time"
            assert moment.utcoffset() == timedelta(0), f"{name} of {uid} is not in UTC"
    for action in actions:
        matching = [event for uid, event in by_uid.items() if uid.startswith(action["id"])]
        assert len(matching) == 1, f"the action '{action['title']}' ({action['id']}) has no VEVENT of its own"
        event = matching[0]
        assert str(event["SUMMARY"]) == action["title"]
        start = h_hour + timedelta(minutes=action["offsetMinutes"])
        assert event.decoded("DTSTART") == start, action["title"]
        if action.get("expectedDurationMinutes"):
            assert event.decoded("DTEND") == start + timedelta(minutes=action["expectedDurationMinutes"])


def test_schedule_parses_with_one_event_per_action(server):
    operation = operation_id(server, OFFICER)
    status, headers, text = schedule(server, OFFICER, operation)
    assert status == 200, text
    assert headers["content-type"].startswith("text/calendar")
    check_calendar(server, OFFICER, operation, own_agency(server, OFFICER), text)


def test_only_lead_coordinators_read_another_agencys_schedule(server):
    operation = operation_id(server, OFFICER)
    status, _, body = request(server, "GET", f"/api/v1/operations/{operation}", token=token_of(server, OFFICER))
    details = json.loads(body)
    mine = own_agency(server, OFFICER)
    other = next(participant["agencyId"] for participant in details["participants"]
                 if participant["role"] == "participant" and participant["agencyId"] != mine)
    status, headers, text = schedule(server, OFFICER, operation, agency=other)
    assert status == 403, text
    assert headers["content-type"] == "application/problem+json"
    assert "BEGIN:VEVENT" not in text
    # The lead coordinator reads the officer's agency's schedule: the same actions.
    status, _, text = schedule(server, COORDINATOR, operation, agency=mine)
    assert status == 200, text
    check_calendar(server, COORDINATOR, operation, mine, text)


# 4. Importing a bundle built with stix2


def test_stix_bundle_from_stix2_imports(server):
    operation = operation_id(server, OFFICER)
    infrastructure = stix2.Infrastructure(name="Interop relay (films-interop)",
                                          infrastructure_types=["hosting-target-lists"])
    indicator = stix2.Indicator(
        name="Interop relay addresses",
        pattern="[ipv4-addr:value = '198.51.100.77'] OR [domain-name:value = 'films-interop.example']",
        pattern_type="stix", valid_from="2026-01-01T00:00:00Z")
    indicates = stix2.Relationship(indicator, "indicates", infrastructure)
    actor = stix2.ThreatActor(name="Interop release crew", threat_actor_types=["criminal"],
                              object_marking_refs=[stix2.TLP_GREEN])
    crew_mail = stix2.EmailAddress(value="crew@films-interop.example")
    crew_related = stix2.Relationship(crew_mail.id, "related-to", actor.id)
    person = stix2.Identity(name="Interop Suspect", identity_class="individual")
    author = stix2.Identity(name="Interop test desk", identity_class="organization")
    attack = stix2.AttackPattern(name="Leak before release")
    lone_url = stix2.Indicator(name="Interop drop URL", pattern="[url:value = 'https://drop.films-interop.example/x']",
                               pattern_type="stix", valid_from="2026-01-01T00:00:00Z")
    lone_address = stix2.IPv4Address(value="198.51.100.78")
    # The relationships come first: the importer reads them in any order.
    bundle = stix2.Bundle(objects=[indicates, crew_related, stix2.TLP_GREEN, author, infrastructure, indicator, actor,
                                   crew_mail, person, attack, lone_url, lone_address], allow_custom=True)
    expected = {  # name: (kind, selectors, handling, handlingFromFile)
        "Interop relay (films-interop)": (
            "server", [("domain", "films-interop.example"), ("ip", "198.51.100.77")], "H2", False),
        "Interop release crew": ("organisation", [("email", "crew@films-interop.example")], "H0", True),
        "Interop Suspect": ("person", [("person", "interop suspect")], "H2", False),
        "Interop drop URL": (None, [("url", "https://drop.films-interop.example/x")], "H2", False),
        "198.51.100.78": (None, [("ip", "198.51.100.78")], "H2", False),
    }
    before = target_ids(server, OFFICER, operation)

    status, _, text = import_file(server, OFFICER, operation, bundle.serialize(), "application/stix+json",
                                  dryRun="true", evaluation="B2")
    assert status == 200, text
    plan = json.loads(text)
    assert plan["format"] == "stix" and plan["dryRun"] is True
    assert plan["created"] == len(expected) and plan["updated"] == 0
    assert plan["errors"] == [] and plan["unresolved"] == [] and plan["leftOut"] == []
    assert plan["unknownTypes"] == {"attack-pattern": 1}
    assert [row["action"] for row in plan["targets"]] == ["create"] * len(expected)
    assert [item["place"]["object"] for item in plan["skippedItems"]] == [author.id]
    assert target_ids(server, OFFICER, operation) == before, "the dry run wrote targets"

    status, _, text = import_file(server, OFFICER, operation, bundle.serialize(), "application/stix+json",
                                  evaluation="B2")
    assert status == 201, text
    result = json.loads(text)
    assert result["dryRun"] is False
    assert result["created"] == len(expected) and result["updated"] == 0
    assert result["errors"] == []
    assert result["unknownTypes"] == {"attack-pattern": 1}
    rows = {row["name"]: row for row in result["targets"]}
    assert sorted(rows) == sorted(expected)
    for name, (kind, selectors, handling, from_file) in expected.items():
        row = rows[name]
        assert (row["selectors"], row["handling"], row["handlingFromFile"]) == (len(selectors), handling,
                                                                                from_file), row
        if kind:
            assert row["kind"] == kind, row

    after = targets(server, OFFICER, operation)
    assert len(after) == len(before) + len(expected)
    new = {target["name"]: target for target in after if target["id"] not in before}
    assert sorted(new) == sorted(expected)
    officer_agency = own_agency(server, OFFICER)
    for name, (kind, selectors, handling, _) in expected.items():
        target = new[name]
        assert selector_keys(target) == sorted(selectors), name
        assert target["handling"] == handling, name
        assert target["evaluation"] == "B2", name
        assert target["originatorAgencyId"] == officer_agency
        if kind:
            assert target["kind"] == kind, name
    assert new["Interop relay (films-interop)"]["source"]["id"] == infrastructure.id


def test_unchanged_stix_bundle_imported_again_changes_nothing(server):
    """stix2 writes its timestamps to the microsecond; the bundle's are fixed to one it could
    write (more than half a millisecond past the millisecond), so that the test does not
    depend on the clock."""
    operation = operation_id(server, OFFICER)
    moment = "2026-11-30T09:15:27.654789Z"
    infrastructure = stix2.Infrastructure(name="Interop mirror (again)", created=moment, modified=moment)
    indicator = stix2.Indicator(pattern="[ipv4-addr:value = '198.51.100.79']", pattern_type="stix",
                                valid_from=moment, created=moment, modified=moment)
    relationship = stix2.Relationship(indicator, "indicates", infrastructure, created=moment, modified=moment)
    bundle = stix2.Bundle(objects=[relationship, infrastructure, indicator]).serialize()

    status, _, text = import_file(server, OFFICER, operation, bundle, "application/stix+json")
    assert status == 201, text
    assert json.loads(text)["created"] == 1
    listed = {target["id"]: target for target in targets(server, OFFICER, operation)}

    status, _, text = import_file(server, OFFICER, operation, bundle, "application/stix+json")
    answer = json.loads(text)
    assert (status, answer["created"], answer["updated"], [row["action"] for row in answer["targets"]]) == (
        200, 0, 0, ["unchanged"]), f"the same bundle imported again: {status} {text}"
    again = {target["id"]: target for target in targets(server, OFFICER, operation)}
    assert again == listed, "importing the same bundle again changed the targets"


# 5. Importing an event built with PyMISP


def test_misp_event_from_pymisp_imports(server):
    operation = operation_id(server, OFFICER)
    event = pymisp.MISPEvent()
    event.info = "Interop test: release group infrastructure"
    event.add_attribute("ip-dst", "198.51.100.88")
    event.add_attribute("domain", "misp-interop.example")
    event.add_attribute("md5", "d41d8cd98f00b204e9800998ecf8427e")
    pair = pymisp.MISPObject("domain-ip")
    pair.add_attribute("ip", value="198.51.100.89")
    pair.add_attribute("domain", value="pair.misp-interop.example")
    event.add_object(pair)
    event.add_tag("tlp:amber")
    exported = json.loads(event.to_json())
    body = exported if "Event" in exported else {"Event": exported}
    expected = {
        "198.51.100.88": [("ip", "198.51.100.88")],
        "misp-interop.example": [("domain", "misp-interop.example")],
        "198.51.100.89": [("domain", "pair.misp-interop.example"), ("ip", "198.51.100.89")],
    }
    before = target_ids(server, OFFICER, operation)

    # The importer's default handling is H0: the event's TLP:AMBER tag says H2.
    status, _, text = import_file(server, OFFICER, operation, json.dumps(body), "application/json", dryRun="true",
                                  handling="H0")
    assert status == 200, text
    plan = json.loads(text)
    assert plan["format"] == "misp" and plan["created"] == 3 and plan["errors"] == []
    assert plan["unknownTypes"] == {"md5": 1}
    assert target_ids(server, OFFICER, operation) == before, "the dry run wrote targets"

    status, _, text = import_file(server, OFFICER, operation, json.dumps(body), "application/json", handling="H0")
    assert status == 201, text
    result = json.loads(text)
    assert result["format"] == "misp"
    assert result["created"] == 3, "two attribute targets and one object target were expected"
    assert result["errors"] == []
    assert result["unknownTypes"] == {"md5": 1}
    for row in result["targets"]:
        assert (row["handling"], row["handlingFromFile"]) == ("H2", True), row
    assert sorted(row["selectors"] for row in result["targets"]) == [1, 1, 2]
    assert [row["place"]["path"] for row in result["targets"]] == [
        "Event.Attribute[0]", "Event.Attribute[1]", "Event.Object[0]"]

    new = [target for target in targets(server, OFFICER, operation) if target["id"] not in before]
    assert sorted(selector_keys(target) for target in new) == sorted(expected.values())
    for target in new:
        assert target["handling"] == "H2", target
        assert target["evaluation"] == "X4", target


# 6. Round trip


def test_own_stix_export_reads_back_in_a_dry_run(server):
    operation = operation_id(server, OFFICER)
    before = targets(server, OFFICER, operation)
    text = export_stix(server, OFFICER, operation)
    status, _, answer = import_file(server, OFFICER, operation, text, "application/stix+json", dryRun="true")
    assert status == 200, answer
    plan = json.loads(answer)
    assert plan["errors"] == [], plan["errors"][:5]
    assert plan["unresolved"] == [] and plan["leftOut"] == []
    assert {row["action"] for row in plan["targets"]} <= {"create", "unchanged"}
    assert len(plan["targets"]) == len(before), "not every exported target reads back"
    read = sorted((row["name"], row["kind"], row["selectors"], row["handling"]) for row in plan["targets"])
    listed = sorted((target["name"], target["kind"], len(target["selectors"]), target["handling"])
                    for target in before)
    assert read == listed
    assert all(row["handlingFromFile"] for row in plan["targets"])
    assert sorted(target["id"] for target in targets(server, OFFICER, operation)) == sorted(
        target["id"] for target in before), "the dry run wrote targets"


def test_stix_export_imported_into_another_operation_gives_the_same_targets(server):
    """The French officer exports SPARKLER (targets of many agencies: US, German, British
    suspects among them) and imports the bundle into HARBOUR, the French national case."""
    username = "fr-officer"
    sparkler = operation_id(server, username, "SPARKLER")
    harbour = operation_id(server, username, "HARBOUR")
    exported = targets(server, username, sparkler)
    text = export_stix(server, username, sparkler)
    status, _, answer = import_file(server, username, harbour, text, "application/stix+json")
    assert status == 201, answer
    result = json.loads(answer)
    assert result["errors"] == [] and result["created"] == len(exported)

    def key(target):
        selectors = []
        for selector in target["selectors"]:
            value = selector["value"]
            born = value.get("dateOfBirth") if isinstance(value, dict) else None
            selectors.append((selector["kind"], selector["matchKey"], born or ""))
        return (target["name"], target["kind"], target["handling"], target.get("handlingRestriction") or "",
                tuple(sorted(selectors)))

    imported = [target for target in targets(server, username, harbour) if target.get("source", {}).get("format")
                == "stix"]
    was = collections.Counter(map(key, exported))
    now = collections.Counter(map(key, imported))
    lost = sorted((was - now).elements())
    gained = sorted((now - was).elements())
    assert not lost and not gained, (
        f"{len(lost)} targets did not come back as exported; first ones:\n exported: "
        + "\n exported: ".join(map(repr, lost[:3])) + "\n imported: " + "\n imported: ".join(map(repr, gained[:3])))


# 7. Malformed files


def check_refused(server, operation, before, status, headers, text, place):
    assert status == 422, text
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(text)
    assert problem["errors"], problem
    for error in problem["errors"]:
        assert error["place"] and error["detail"], error
    assert place in problem["detail"], problem["detail"]
    assert target_ids(server, OFFICER, operation) == before, "a refused file wrote targets"


def test_malformed_csv_is_refused_whole(server):
    operation = operation_id(server, OFFICER)
    before = target_ids(server, OFFICER, operation)
    status, headers, text = import_file(server, OFFICER, operation, "name,ip\nA,198.51.100.1\nB,198.51.100.300\n",
                                        "text/csv")
    check_refused(server, operation, before, status, headers, text, "line 3")
    assert json.loads(text)["errors"][0]["place"]["line"] == 3


def test_misp_attribute_without_value_is_refused_whole(server):
    operation = operation_id(server, OFFICER)
    before = target_ids(server, OFFICER, operation)
    # The first attribute is sound, the second has no value: neither is recorded.
    event = {"Event": {
        "uuid": "6a1c7f0e-1b2d-4c3e-8f90-0a1b2c3d4e5f", "info": "Interop test: broken event",
        "Attribute": [
            {"uuid": "6a1c7f0e-1b2d-4c3e-8f90-0a1b2c3d4e60", "type": "ip-dst", "category": "Network activity",
             "value": "198.51.100.90"},
            {"uuid": "6a1c7f0e-1b2d-4c3e-8f90-0a1b2c3d4e61", "type": "domain", "category": "Network activity"},
        ]}}
    status, headers, text = import_file(server, OFFICER, operation, json.dumps(event), "application/json")
    check_refused(server, operation, before, status, headers, text, "Event.Attribute[1]")


def test_stix_pattern_left_open_is_refused_whole(server):
    operation = operation_id(server, OFFICER)
    before = target_ids(server, OFFICER, operation)
    good = stix2.Indicator(pattern="[ipv4-addr:value = '198.51.100.91']", pattern_type="stix",
                           valid_from="2026-01-01T00:00:00Z")
    bundle = json.loads(stix2.Bundle(objects=[good]).serialize())
    # stix2 checks patterns as it builds an indicator: the broken one is written by hand.
    broken = dict(bundle["objects"][0], id="indicator--0f6f3c2a-7d4e-4b5a-9c8d-1e2f3a4b5c6d",
                  pattern="[ipv4-addr:value = '198.51.100.92'")
    bundle["objects"].append(broken)
    status, headers, text = import_file(server, OFFICER, operation, json.dumps(bundle), "application/stix+json")
    check_refused(server, operation, before, status, headers, text, "objects[1]")
    assert json.loads(text)["errors"][0]["place"]["path"].startswith("objects[1]")
