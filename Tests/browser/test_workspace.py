"""Preparing an operation in the browser only, as a coordinator and an officer would.

The coordinator creates an operation from nothing, invites two agencies, sets H-hour in
Paris time, records a legal instrument, three targets (one for the US alone) and four
actions with gates; the French officer checks a gate of its own action, posts to the log and
checks identifiers before sharing; the coordinator marks the entry significant. Every step is
checked through the API afterwards. Bad input shows the API's words next to the field and
writes nothing; a role that may not use a form does not see it and is refused if it posts
anyway; a post from another site is refused. Every page visited is scanned with axe-core (no
serious or critical violation) and photographed at 1400 and 390 px into a folder the test
prints.
"""

import json
import os
import tempfile
import urllib.error
import urllib.request

import pytest
from axe_selenium_python import Axe
from conftest import PASSWORD, browser, sign_in
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

SCREENSHOTS = os.environ.get("CONCERT_SCREENSHOTS") or tempfile.mkdtemp(prefix="concert-screenshots-")


def api(base, method, path, body=None, token=None, headers=None):
    """Calls the API; returns (status, JSON body)."""
    request = urllib.request.Request(base + path, method=method, headers=dict(headers or {}))
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, json.loads(text) if text else None


def token_of(base, username):
    status, body = api(base, "POST", "/api/v1/sessions", {"username": username, "password": PASSWORD})
    assert status == 201 or status == 200, body
    return body["token"]


def look(driver, name):
    """Scans the page with axe-core and photographs it at laptop and phone width."""
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in serious)
    # The first screen on a phone, then the whole page at each width (up to 5,000 px).
    driver.set_window_size(390, 844)
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(os.path.join(SCREENSHOTS, f"{name}-390-first-screen.png"))
    for width in (1400, 390):
        driver.set_window_size(width, 900)
        height = driver.execute_script("window.scrollTo(0, 0); return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(height + 200, 900), 5000))
        driver.save_screenshot(os.path.join(SCREENSHOTS, f"{name}-{width}.png"))
    width = driver.execute_script("return document.documentElement.scrollWidth")
    driver.set_window_size(1400, 1000)
    assert width <= 400, f"{name} is {width} px wide on a 390 px phone"


def text_of(driver, css="main"):
    """The text of the first element `css` selects, read in one script call: a page that
    reloads meanwhile leaves no stale element behind."""
    return driver.execute_script("var e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css)


def field(form, name):
    return form.find_element(By.NAME, name)


def type_into(form, name, text):
    element = field(form, name)
    element.clear()
    element.send_keys(text)


def choose(element, text=None, value=None):
    if value is not None:
        Select(element).select_by_value(value)
    else:
        Select(element).select_by_visible_text(text)


def set_value(driver, element, value):
    driver.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        element, value)


def submit(driver, form):
    """Sends a workspace form; returns the error shown next to a field, or None once the page moved on."""
    start = driver.current_url
    marker = driver.execute_script("window.__concertMarker = Math.random(); return window.__concertMarker;")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    def settled(d):
        if d.execute_script("return window.__concertMarker") != marker:
            return "moved"
        problems = d.find_elements(By.CSS_SELECTOR, ".form-problem:not([hidden])")
        return problems[0].text if problems else False

    result = WebDriverWait(driver, 10).until(settled)
    if result == "moved":
        return None
    return result


def field_error(driver):
    errors = driver.find_elements(By.CSS_SELECTOR, ".field-error")
    return errors[0].text if errors else None


def row_text(driver, title):
    """The text of the board's row of the action `title`, read in one script call."""
    return driver.execute_script(
        "var r = document.querySelectorAll('#countries tr'); for (var i = 0; i < r.length; i++) {"
        " if (r[i].querySelector('.title') && r[i].querySelector('.title').textContent === arguments[0]) return r[i].innerText; }"
        " return '';", title)


def row_status(driver, title):
    """The status the board's row of the action `title` shows, as its `data-status`."""
    return driver.execute_script(
        "var r = document.querySelectorAll('#countries tr'); for (var i = 0; i < r.length; i++) {"
        " if (r[i].querySelector('.title') && r[i].querySelector('.title').textContent === arguments[0]) return r[i].dataset.status; }"
        " return null;", title)


def click_in_row(driver, title, css):
    clicked = driver.execute_script(
        "var r = document.querySelectorAll('#countries tr'); for (var i = 0; i < r.length; i++) {"
        " var t = r[i].querySelector('.title'); if (t && t.textContent === arguments[0]) {"
        " var b = r[i].querySelector(arguments[1]); if (b) { setTimeout(function () { b.click(); }, 0); return true; } } }"
        " return false;", title, css)
    assert clicked, f"no {css} in the row of {title}"


def command(driver, name, country=None, reason=None):
    """Gives GO, HOLD, RESUME or ABORT through the board's dialog."""
    driver.find_element(By.CSS_SELECTOR, f"button.control[data-command={name}]").click()
    dialog = WebDriverWait(driver, 5).until(
        expected_conditions.visibility_of_element_located((By.ID, "control-dialog")))
    if country is not None:
        choose(dialog.find_element(By.NAME, "country"), value=country)
    if reason is not None:
        dialog.find_element(By.NAME, "reason").send_keys(reason)
    dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 5).until(lambda d: not d.execute_script("return document.getElementById('control-dialog').open"))


def test_coordinator_prepares_an_operation_in_the_browser(server):
    print(f"\nscreenshots of the workspace: {SCREENSHOTS}")
    coordinator_token = token_of(server, "coordinator")
    directory = api(server, "GET", "/api/v1/agencies", token=coordinator_token)[1]["items"]
    france = next(a for a in directory if a["country"] == "FR" and a["kind"] == "police")
    usa = next(a for a in directory if a["country"] == "US")
    coordinator, officer = browser(), browser()
    try:
        sign_in(coordinator, server, "coordinator")
        look(coordinator, "operations")
        coordinator.find_element(By.LINK_TEXT, "New operation").click()
        form = coordinator.find_element(By.CSS_SELECTOR, "form[data-api]")
        look(coordinator, "operation-new")

        # An empty code name is refused next to its field, and nothing is written.
        before = len(api(server, "GET", "/api/v1/operations", token=coordinator_token)[1]["items"])
        assert submit(coordinator, form) is not None
        assert "codeName" in field_error(coordinator) or "code" in field_error(coordinator).lower()
        assert coordinator.find_element(By.NAME, "codeName").get_attribute("aria-invalid") == "true"
        assert len(api(server, "GET", "/api/v1/operations", token=coordinator_token)[1]["items"]) == before

        type_into(form, "codeName", "KESTREL")
        type_into(form, "summary", "A release group's new seedboxes, found after SPARKLER.")
        assert submit(coordinator, form) is None
        WebDriverWait(coordinator, 10).until(lambda d: "KESTREL" in text_of(d, "h1"))
        operation_id = coordinator.current_url.rstrip("/").split("/")[-1].split("#")[0]
        base_path = f"/api/v1/operations/{operation_id}"

        # Invite France as a participant and the US too; the invitation form lists only
        # agencies not yet taking part.
        for agency in (france, usa):
            form = coordinator.find_element(By.CSS_SELECTOR, f"form[data-api$='/participants']")
            choose(field(form, "agencyId"), value=agency["id"])
            choose(field(form, "role"), value="participant")
            assert submit(coordinator, form) is None
            WebDriverWait(coordinator, 10).until(lambda d: agency["name"] in text_of(d))

        # H-hour: 10 December 2026, 05:00 in Paris, which is 04:00 UTC.
        form = coordinator.find_element(By.CSS_SELECTOR, "form[data-api$='/h-hour']")
        set_value(coordinator, form.find_element(By.CSS_SELECTOR, "[data-part=date]"), "2026-12-10")
        set_value(coordinator, form.find_element(By.CSS_SELECTOR, "[data-part=time]"), "05:00")
        choose(form.find_element(By.CSS_SELECTOR, "[data-part=zone]"), text="Europe/Paris")
        assert "04:00 UTC" in form.find_element(By.CSS_SELECTOR, "output").text
        assert submit(coordinator, form) is None
        WebDriverWait(coordinator, 10).until(lambda d: "Thu 10 Dec 2026 04:00" in text_of(d))
        look(coordinator, "operation-prepared")

        # A legal instrument, issued.
        coordinator.get(server + f"/operations/{operation_id}/instruments/new")
        form = coordinator.find_element(By.CSS_SELECTOR, "form[data-api]")
        look(coordinator, "instrument-new")
        choose(field(form, "kind"), value="europeanInvestigationOrder")
        type_into(form, "reference", "EIO-2026-118")
        type_into(form, "executingCountry", "FR")
        choose(field(form, "status"), value="issued")
        assert submit(coordinator, form) is None

        # Three targets; a wrong selector is refused next to its row, and nothing is written.
        targets = [
            ("server", "Seedbox 1 (Roubaix)", [("ip", "2001:db8:4b::23")], None),
            ("domain", "Release site", [("domain", "kestrel-releases.example")], None),
            ("person", "Group's US courier", [("person", ("Jordan Avery", "1990-04-02"))], usa["id"]),
        ]
        for index, (kind, name, selectors, only) in enumerate(targets):
            coordinator.get(server + f"/operations/{operation_id}/targets/new")
            form = coordinator.find_element(By.CSS_SELECTOR, "form[data-api]")
            if index == 0:
                look(coordinator, "target-new")
            choose(field(form, "kind"), value=kind)
            type_into(form, "name", name)
            rows = form.find_elements(By.CSS_SELECTOR, "[data-rows=selectors] .row")
            row = rows[0]
            selector_kind, value = selectors[0]
            choose(row.find_element(By.CSS_SELECTOR, "[data-name=kind]"), value=selector_kind)
            if selector_kind == "person":
                row.find_element(By.CSS_SELECTOR, "[data-name='value.name']").send_keys(value[0])
                set_value(coordinator, row.find_element(By.CSS_SELECTOR, "[data-name='value.dateOfBirth']"), value[1])
            else:
                row.find_element(By.CSS_SELECTOR, "[data-name=value]").send_keys(value)
            choose(field(form, "handling"), value="H2" if only else "H0")
            choose(form.find_element(By.CSS_SELECTOR, "[data-part=source]"), value="B")
            choose(form.find_element(By.CSS_SELECTOR, "[data-part=information]"), value="2")
            if only:
                form.find_element(By.CSS_SELECTOR, "input[name=distribution-choice][value=named]").click()
                form.find_element(By.CSS_SELECTOR, f"input[data-agency][value='{only}']").click()
            if index == 0:
                # A second selector that is a whole country's network: refused, nothing written.
                form.find_element(By.CSS_SELECTOR, "[data-add-row=selectors]").click()
                extra = form.find_elements(By.CSS_SELECTOR, "[data-rows=selectors] .row")[1]
                choose(extra.find_element(By.CSS_SELECTOR, "[data-name=kind]"), value="cidr")
                extra.find_element(By.CSS_SELECTOR, "[data-name=value]").send_keys("10.0.0.0/8")
                assert submit(coordinator, form) is not None
                assert extra.find_element(By.CSS_SELECTOR, "[data-name=value]").get_attribute("aria-invalid") == "true"
                assert field(form, "name").get_attribute("value") == name, "the values entered stay"
                assert api(server, "GET", base_path + "/targets", token=coordinator_token)[1]["items"] == []
                extra.find_element(By.CSS_SELECTOR, "[data-remove-row]").click()
            assert submit(coordinator, form) is None, field_error(coordinator)
            WebDriverWait(coordinator, 10).until(lambda d: name in text_of(d, "table.targets"))
        recorded = api(server, "GET", base_path + "/targets", token=coordinator_token)[1]["items"]
        assert sorted(t["name"] for t in recorded) == sorted(t[1] for t in targets)
        coordinator.get(server + f"/operations/{operation_id}")
        # The target list is filtered by the server, by selector text and by kind.
        def filter_targets(kind=None, words=""):
            # The page may still be drawing its list when the form is found: try again on a
            # stale element rather than fail.
            for attempt in range(3):
                try:
                    return filter_once(kind, words)
                except StaleElementReferenceException:
                    if attempt == 2:
                        raise
                    coordinator.get(coordinator.current_url)

        def filter_once(kind, words):
            form = coordinator.find_element(By.CSS_SELECTOR, "form.filter[role=search]")
            choose(field(form, "kind"), value=kind or "")
            type_into(form, "q", words)
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            WebDriverWait(coordinator, 10).until(lambda d: left_the_page(form))
            return text_of(coordinator, "#target-count")

        def left_the_page(element):
            # Chromium's driver may answer a node that the new page replaced in the middle of
            # the check with an inspector error rather than a stale element: both say it went.
            try:
                element.is_enabled()
                return False
            except StaleElementReferenceException:
                return True
            except WebDriverException as error:
                if "does not belong to the document" in str(error):
                    return True
                raise
        assert filter_targets(words="kestrel-releases").startswith("1 of 3 match"), text_of(coordinator, "#target-count")
        assert "Release site" in text_of(coordinator, "table.targets")
        assert "Seedbox 1" not in text_of(coordinator, "table.targets")
        assert filter_targets().startswith("3 in all")
        assert filter_targets(kind="person").startswith("1 of 3 match")
        assert "Group's US courier" in text_of(coordinator, "table.targets")
        courier = next(t for t in recorded if t["kind"] == "person")
        assert courier["distribution"] == [usa["id"]] and courier["handling"] == "H2"
        instrument = api(server, "GET", base_path + "/instruments", token=coordinator_token)[1]["items"][0]
        seedbox = next(t for t in recorded if t["kind"] == "server")

        # Four actions, one with the instrument and two gates.
        actions = [
            ("serverTakedown", "Take down seedbox 1", seedbox["id"], france["id"], "Roubaix", "FR", "Europe/Paris", -120,
             "EIO-2026-118", "Search warrant signed\nHosting provider on site"),
            ("houseSearch", "Search the release site's operator", None, france["id"], "Lille", "FR", "Europe/Paris", 0, None, ""),
            ("arrest", "Arrest the courier", courier["id"], usa["id"], "Newark", "US", "America/New_York", 30, None, ""),
            ("interview", "Interview the hosting reseller", None, usa["id"], "Newark", "US", "America/New_York", 120, None, ""),
        ]
        for index, (kind, title, target, agency, place, country, zone, offset, reference, gates) in enumerate(actions):
            coordinator.get(server + f"/operations/{operation_id}/actions/new")
            form = coordinator.find_element(By.CSS_SELECTOR, "form[data-api]")
            if index == 0:
                look(coordinator, "action-new")
            choose(field(form, "kind"), value=kind)
            type_into(form, "title", title)
            if target:
                choose(field(form, "targetId"), value=target)
            choose(field(form, "executingAgencyId"), value=agency)
            type_into(form, "place", place)
            type_into(form, "country", country)
            choose(field(form, "timeZone"), text=zone)
            type_into(form, "offsetMinutes", str(offset))
            if reference:
                choose(field(form, "legalInstrumentId"), value=instrument["id"])
            if gates:
                type_into(form, "gates", gates)
            if index == 0:
                # A place that is no IANA zone cannot be chosen; an offset beyond a month is refused by the API.
                type_into(form, "offsetMinutes", "99999")
                assert submit(coordinator, form) is not None
                assert field(form, "offsetMinutes").get_attribute("aria-invalid") == "true"
                type_into(form, "offsetMinutes", str(offset))
            assert submit(coordinator, form) is None, field_error(coordinator)
            WebDriverWait(coordinator, 10).until(lambda d: title in text_of(d, "table.plan"))
        planned = api(server, "GET", base_path + "/actions", token=coordinator_token)[1]["items"]
        assert sorted(a["title"] for a in planned) == sorted(a[1] for a in actions)
        takedown = next(a for a in planned if a["kind"] == "serverTakedown")
        assert [g["title"] for g in takedown["gates"]] == ["Search warrant signed", "Hosting provider on site"]
        assert takedown["legalInstrumentId"] == instrument["id"] and takedown["offsetMinutes"] == -120
        operation = api(server, "GET", base_path, token=coordinator_token)[1]
        assert operation["hHour"] == "2026-12-10T04:00:00Z"
        assert {p["agencyId"]: p["role"] for p in operation["participants"]}[france["id"]] == "participant"

        # The French officer sees the operation, checks a gate of its own action only, posts
        # to the log and checks identifiers before sharing.
        officer_token = token_of(server, "fr-officer")
        sign_in(officer, server, "fr-officer")
        # An officer's first view of an operation is its agency's day: France's two actions, in
        # time order, not the US's.
        officer.find_element(By.LINK_TEXT, "KESTREL").click()
        WebDriverWait(officer, 10).until(lambda d: "OCLCTIC's day" in text_of(d, "h1"))
        day = text_of(officer, "table.plan")
        assert day.index("Take down seedbox 1") < day.index("Search the release site's operator")
        assert "courier" not in day and "Newark" not in day
        look(officer, "day-officer")
        officer.get(server + f"/operations/{operation_id}")
        assert "Group's US courier" not in officer.page_source, "the US-only target stays hidden"
        assert not officer.find_elements(By.CSS_SELECTOR, "form[data-api$='/participants']")
        gate = officer.find_element(By.XPATH, "//li[contains(., 'Search warrant signed')]/button")
        gate.click()
        WebDriverWait(officer, 10).until(lambda d: "Search warrant signed" in text_of(d, "ul.gates li.checked"))
        takedown = api(server, "GET", base_path + f"/actions/{takedown['id']}", token=officer_token)[1]
        assert [g["checked"] for g in takedown["gates"]] == [True, False]
        look(officer, "operation-officer")
        # No button checks another agency's gates: the arrest is the US's (it has none) and the
        # plan's change links are the coordinator's.
        assert not officer.find_elements(By.LINK_TEXT, "Plan an action")

        officer.get(server + f"/operations/{operation_id}/log")
        form = officer.find_element(By.CSS_SELECTOR, "form[data-api]")
        assert submit(officer, form) is not None, "an empty entry is refused"
        type_into(form, "text", "Hosting provider confirms seedbox 1 is still in rack 12.")
        assert submit(officer, form) is None
        WebDriverWait(officer, 10).until(lambda d: "rack 12" in text_of(d, "table"))
        assert not officer.find_elements(By.XPATH, "//button[text()='Mark significant']"), "only the lead marks entries"
        look(officer, "log")

        coordinator.get(server + f"/operations/{operation_id}/log")
        coordinator.find_element(By.XPATH, "//button[text()='Mark significant']").click()
        WebDriverWait(coordinator, 10).until(lambda d: text_of(d, "tr.significant"))
        entries = api(server, "GET", base_path + "/log", token=coordinator_token)[1]["items"]
        assert [e["significant"] for e in entries] == [True]

        officer.get(server + "/check")
        look(officer, "check")
        form = officer.find_element(By.ID, "check")
        field(form, "values").send_keys("2001:db8:4b::23\n2001:db8:77::1\n")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(officer, 10).until(
            lambda d: d.execute_script("return document.querySelectorAll('#results tbody tr').length") == 2)
        rows = [row.text for row in officer.find_elements(By.CSS_SELECTOR, "#results tbody tr")]
        # The seedbox was recorded by the lead agency: France is told whom to contact, nothing
        # more; the other address is held by nobody.
        lead_name = api(server, "GET", "/api/v1/me", token=coordinator_token)[1]["agency"]["name"]
        assert "HIT" in rows[0] and lead_name in rows[0] and "Seedbox" not in rows[0], rows
        assert rows[0].count("—") == 1, "only the lead agency holds it"
        assert "no hit" in rows[1], rows
        look(officer, "check-results")
        # Or from a file, one a line: its lines come into the box, to be looked over, then checked.
        listing = os.path.join(tempfile.mkdtemp(prefix="concert-check-"), "seized-servers.txt")
        with open(listing, "w", encoding="utf-8") as handle:
            handle.write("\ufeff2001:db8:4b::23\r\n")
        field(form, "values").clear()
        field(form, "file").send_keys(listing)
        WebDriverWait(officer, 5).until(lambda d: field(form, "values").get_attribute("value").strip() == "2001:db8:4b::23")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(officer, 10).until(
            lambda d: d.execute_script("return document.querySelectorAll('#results tbody tr').length") == 1)
        assert "HIT" in officer.find_element(By.CSS_SELECTOR, "#results tbody tr").text

        # France imports two targets from a file: the preview names the bad row by its line and
        # writes nothing; corrected, it shows that the seedbox's address is the lead agency's and
        # records both only when confirmed.
        def import_rows(address):
            return ('{\n  "targets": [\n'
                    '    {"kind": "server", "name": "Seedbox 1 mirror", "handling": "H0", "evaluation": "B2",\n'
                    '     "distribution": "all", "selectors": [{"kind": "ip", "value": "2001:db8:4b::23"}]},\n'
                    '    {"kind": "server", "name": "Seedbox 2", "handling": "H0", "evaluation": "B2",\n'
                    f'     "distribution": "all", "selectors": [{{"kind": "ip", "value": "{address}"}}]}}\n'
                    '  ]\n}\n')
        own_before = len(api(server, "GET", base_path + "/targets", token=officer_token)[1]["items"])
        officer.get(server + f"/operations/{operation_id}")
        officer.find_element(By.LINK_TEXT, "Import targets").click()
        form = officer.find_element(By.ID, "import")
        field(form, "text").send_keys(import_rows("2001:db8:4b::zz"))
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(officer, 10).until(lambda d: "1 cannot" in text_of(d, "#import-summary"))
        rows = [row.text for row in officer.find_elements(By.CSS_SELECTOR, "#import-rows tbody tr")]
        assert "2 (line 5)" in rows[1] and "targets[1].selectors[0].value" in rows[1], rows
        assert "HIT" in rows[0] and lead_name in rows[0], rows
        assert not officer.find_element(By.ID, "import-confirm").is_enabled()
        look(officer, "import-refused")
        assert len(api(server, "GET", base_path + "/targets", token=officer_token)[1]["items"]) == own_before
        field(form, "text").clear()
        field(form, "text").send_keys(import_rows("2001:db8:4c::7"))
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(officer, 10).until(lambda d: "2 can be recorded" in text_of(d, "#import-summary"))
        assert "1 held by another agency" in text_of(officer, "#import-summary")
        look(officer, "import-preview")
        officer.find_element(By.ID, "import-confirm").click()
        WebDriverWait(officer, 10).until(lambda d: "Recorded 2 targets" in text_of(d, "#import-summary"))
        names = [t["name"] for t in api(server, "GET", base_path + "/targets", token=officer_token)[1]["items"]]
        assert len(names) == own_before + 2 and "Seedbox 2" in names

        # The action day on the board: France readies its takedown, whose second gate is still
        # open, so the board says why GO would not move it; the coordinator holds France, resumes
        # it, gives GO, and approves a sitrep.
        coordinator.get(server + f"/operations/{operation_id}/board")
        officer.get(server + f"/operations/{operation_id}/board")
        for driver in (coordinator, officer):
            WebDriverWait(driver, 10).until(lambda d: text_of(d, "#connection") == "live")
        click_in_row(officer, "Take down seedbox 1", "button.report-ready")
        for driver in (coordinator, officer):
            WebDriverWait(driver, 5).until(
                lambda d: "Cannot go: 1 gate open: Hosting provider on site" in row_text(d, "Take down seedbox 1"))
        look(officer, "board-officer")
        assert not officer.find_elements(By.CSS_SELECTOR, "button.control"), "only the lead coordinator commands"
        command(coordinator, "hold", country="FR", reason="Hosting provider not yet on site")
        for driver in (coordinator, officer):
            WebDriverWait(driver, 5).until(lambda d: "FR (Hosting provider not yet on site)" in text_of(d, "#hold-banner"))
        look(coordinator, "board-held")
        command(coordinator, "resume", country="FR")
        WebDriverWait(officer, 5).until(lambda d: d.execute_script("return document.getElementById('hold-banner').hidden"))
        click_in_row(officer, "Take down seedbox 1", "ul.gates li:not(.checked) button")
        WebDriverWait(officer, 5).until(lambda d: "Cannot go" not in row_text(d, "Take down seedbox 1"))
        command(coordinator, "go")
        for driver in (coordinator, officer):
            WebDriverWait(driver, 5).until(lambda d: d.execute_script(
                "var r = document.querySelectorAll('#countries tr'); for (var i = 0; i < r.length; i++) {"
                " if (r[i].textContent.indexOf('Take down seedbox 1') >= 0) return r[i].dataset.status; } return null;") == "go")
            assert "GO given at" in text_of(driver, "#go-banner")
        operation = api(server, "GET", base_path, token=coordinator_token)[1]
        assert operation["actionDay"]["goGivenAt"] and "FR" not in operation["actionDay"].get("countryHolds", {})
        # The timeline draws a bar per action, by country and status, and moves with the board.
        bars = coordinator.execute_script(
            "return Array.from(document.querySelectorAll('#timeline rect')).map(function (r) { return r.dataset.status; })")
        assert sorted(bars) == ["go", "planned", "planned", "planned"], bars
        look(coordinator, "board-go")
        # France reports its takedown through the outcome form: what was seized, how many, notes.
        click_in_row(officer, "Take down seedbox 1", "button.report-inProgress")
        # The row's status, not its text: the "In progress" button of a row at GO says those words
        # before the report has landed.
        WebDriverWait(officer, 10).until(lambda d: row_status(d, "Take down seedbox 1") == "inProgress")
        click_in_row(officer, "Take down seedbox 1", "button.report-done")
        dialog = WebDriverWait(officer, 5).until(
            expected_conditions.visibility_of_element_located((By.ID, "outcome-dialog")))
        choose(dialog.find_element(By.NAME, "kind"), value="serversSeized")
        count = dialog.find_element(By.NAME, "count")
        count.clear()
        count.send_keys("1")
        dialog.find_element(By.NAME, "description").send_keys("Disks imaged on site")
        # The item seized is recorded with the outcome, as an exhibit of the action.
        item = dialog.find_element(By.CSS_SELECTOR, "#seized-items .seized-item")
        assert item.find_element(By.CSS_SELECTOR, "[data-item=kind]").get_attribute("value") == "server"
        item.find_element(By.CSS_SELECTOR, "[data-item=description]").send_keys("Rack server with two disks")
        item.find_element(By.CSS_SELECTOR, "[data-item=sha256]").send_keys("c0" * 32)
        look(officer, "board-outcome-form")
        dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(coordinator, 5).until(
            lambda d: d.execute_script("return document.getElementById('count-servers').textContent") == "1")
        takedown = api(server, "GET", base_path + f"/actions/{takedown['id']}", token=officer_token)[1]
        assert takedown["status"] == "done"
        assert takedown["outcome"] == {"kind": "serversSeized", "count": 1, "description": "Disks imaged on site"}
        exhibits = api(server, "GET", base_path + "/exhibits", token=officer_token)[1]["items"]
        assert [(e["kind"], e["description"], e["actionId"], e["hashes"]) for e in exhibits] == [
            ("server", "Rack server with two disks", takedown["id"], [{"algorithm": "SHA-256", "value": "c0" * 32}])]
        coordinator.get(server + f"/operations/{operation_id}/sitreps")
        coordinator.find_element(By.CSS_SELECTOR, "#compile-sitrep button.primary").click()
        WebDriverWait(coordinator, 10).until(expected_conditions.presence_of_element_located((By.ID, "edit-sitrep")))
        coordinator.execute_script(
            "var button = document.querySelector('#edit-sitrep button[value=approved]');"
            "setTimeout(function () { button.click(); }, 0);")
        WebDriverWait(coordinator, 5).until(expected_conditions.alert_is_present())
        coordinator.switch_to.alert.accept()
        WebDriverWait(coordinator, 10).until(lambda d: "KESTREL — SITREP 1" in text_of(d, "h1"))
        # The sitrep's times are UTC, each followed by the reader's own.
        assert "(your time: " in text_of(coordinator, "article.sitrep")
        look(coordinator, "sitrep-approved")
        sitreps = api(server, "GET", base_path + "/sitreps", token=coordinator_token)[1]["items"]
        assert [(s["status"], s.get("number")) for s in sitreps] == [("approved", 1)]

        # The coordinator takes the interview, not yet under way, off the plan.
        coordinator.get(server + f"/operations/{operation_id}")
        coordinator.execute_script("window.confirm = function () { return true; };")
        coordinator.find_element(
            By.XPATH, "//table[contains(@class,'plan')]//tr[.//span[@class='action-title' and text()='Interview the hosting reseller']]"
                      "//button[text()='Delete']").click()
        WebDriverWait(coordinator, 10).until(lambda d: "Interview the hosting reseller" not in text_of(d, "table.plan"))
        planned = api(server, "GET", base_path + "/actions", token=coordinator_token)[1]["items"]
        assert sorted(a["title"] for a in planned) == sorted(a[1] for a in actions if a[0] != "interview")
        # An observer does not see the planning forms and is refused when it posts anyway.
        observer_token = token_of(server, "observer")
        status, _ = api(server, "POST", base_path + "/actions", {"kind": "arrest"}, token=observer_token)
        assert status in (403, 404)
        # A form posted from another site with the session cookie is refused, and writes nothing.
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in coordinator.get_cookies())
        status, problem = api(
            server, "POST", base_path + "/log", {"text": "Forged"},
            headers={"Cookie": cookie, "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
        assert status == 403, problem
        assert len(api(server, "GET", base_path + "/log", token=coordinator_token)[1]["items"]) == 1
    finally:
        coordinator.quit()
        officer.quit()


def test_roles_see_only_their_forms(server):
    officer, admin, agency_admin, observer = browser(), browser(), browser(), browser()
    try:
        sign_in(officer, server, "fr-officer")
        assert not officer.find_elements(By.LINK_TEXT, "New operation")
        officer.get(server + "/operations/new")
        assert "Not for your role" in officer.page_source
        officer.get(server + "/admin")
        assert "Not for your role" in officer.page_source

        sign_in(observer, server, "observer")
        observer.find_element(By.LINK_TEXT, "SPARKLER").click()
        assert not observer.find_elements(By.LINK_TEXT, "Plan an action")
        assert not observer.find_elements(By.LINK_TEXT, "Check before sharing")
        observer.get(observer.current_url + "/actions/new")
        assert "Not for your role" in observer.page_source or "Not found" in observer.page_source
        look(observer, "observer-refused")

        sign_in(admin, server, "admin")
        admin.get(server + "/admin")
        look(admin, "admin-platform")
        form = admin.find_element(By.CSS_SELECTOR, "form[data-api='/api/v1/agencies']")
        type_into(form, "name", "Garda National Cyber Crime Bureau")
        type_into(form, "country", "XX")
        assert submit(admin, form) is not None, "an unknown country is refused"
        assert field(form, "country").get_attribute("aria-invalid") == "true"
        type_into(form, "country", "IE")
        assert submit(admin, form) is None
        WebDriverWait(admin, 10).until(lambda d: "Garda National Cyber Crime Bureau" in text_of(d, "table"))

        sign_in(agency_admin, server, "lead-admin")
        agency_admin.get(server + "/admin")
        look(agency_admin, "admin-agency")
        form = agency_admin.find_element(By.CSS_SELECTOR, "form[data-api='/api/v1/users']")
        type_into(form, "username", "eu-analyst")
        type_into(form, "displayName", "EU analyst")
        type_into(form, "password", "password1234")
        assert submit(agency_admin, form) is not None, "a common password is refused"
        assert field(form, "password").get_attribute("aria-invalid") == "true"
        type_into(form, "password", "glacier-tram-ochre-41")
        assert submit(agency_admin, form) is None, field_error(agency_admin)
        WebDriverWait(agency_admin, 10).until(lambda d: "eu-analyst" in text_of(d, "table"))
        row = agency_admin.find_element(By.XPATH, "//tr[td[text()='eu-analyst']]")
        row.find_element(By.XPATH, ".//button[text()='Disable']").click()
        WebDriverWait(agency_admin, 10).until(
            lambda d: d.execute_script(
                "return Array.from(document.querySelectorAll('tr')).some(function (r) {"
                " return r.cells[0] && r.cells[0].textContent === 'eu-analyst' && r.textContent.indexOf('disabled') >= 0; });"))
        # The administrator gives the account a new password: a common one is refused beside the
        # field; a good one signs the account in, and the old one no longer does.
        row = agency_admin.find_element(By.XPATH, "//tr[td[text()='eu-analyst']]")
        row.find_element(By.XPATH, ".//button[text()='Enable']").click()
        # The list is drawn again as it changes: a row found a moment before may be gone.
        WebDriverWait(agency_admin, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: d.find_element(By.XPATH, "//tr[td[text()='eu-analyst']]").text.find("active") >= 0)
        row = agency_admin.find_element(By.XPATH, "//tr[td[text()='eu-analyst']]")
        row.find_element(By.CSS_SELECTOR, "details.reset summary").click()
        form = row.find_element(By.CSS_SELECTOR, "details.reset form")
        look(agency_admin, "admin-reset-password")
        type_into(form, "password", "password1234")
        agency_admin.execute_script("window.confirm = function () { return true; };")
        assert submit(agency_admin, form) is not None, "a common password is refused"
        assert field(form, "password").get_attribute("aria-invalid") == "true"
        type_into(form, "password", "harbour-lantern-quartz-7")
        assert submit(agency_admin, form) is None, field_error(agency_admin)
        assert api(server, "POST", "/api/v1/sessions",
                   {"username": "eu-analyst", "password": "glacier-tram-ochre-41"})[0] == 401
        assert api(server, "POST", "/api/v1/sessions",
                   {"username": "eu-analyst", "password": "harbour-lantern-quartz-7"})[0] == 201
    finally:
        for driver in (officer, admin, agency_admin, observer):
            driver.quit()
