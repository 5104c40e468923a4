"""The live board in real browsers: headless Chromium driven by Selenium.

A coordinator and officers of two countries follow the demo operation in three browser
sessions. The US officer readies an arrest, the coordinator gives GO, the officer reports the
arrest; every board shows it within two seconds. The French officer never sees the targets
that the US restricted to the lead agency. The coordinator then compiles, edits and approves
a sitrep, which reaches the officers' live logs.

Messages: the US officer writes an H2 message to France from the compose page with a file;
the French officer finds it unread in the inbox, reads it, downloads the file byte for byte
with the browser's session and acknowledges it; the German officer finds nothing.
"""

import hashlib
import os
import tempfile
import time

from conftest import browser
from conftest import sign_in as sign_in_with_form
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ARREST = "Arrest Michael Turner"  # a US suspect of the demo
RESTRICTED_US_TARGET = "Topsite server 13 (Ashburn)"  # recorded by the US for the lead agency only


def sign_in(driver, base, username):
    """Signs in and opens the demo operation's page."""
    sign_in_with_form(driver, base, username)
    driver.find_element(By.LINK_TEXT, "SPARKLER").click()
    WebDriverWait(driver, 10).until(expected_conditions.presence_of_element_located((By.LINK_TEXT, "Open the live board")))
    # An officer lands on its agency's day; the whole operation is one link away.
    whole = driver.find_elements(By.PARTIAL_LINK_TEXT, "the whole operation")
    if whole:
        whole[0].click()
        WebDriverWait(driver, 10).until(expected_conditions.presence_of_element_located((By.LINK_TEXT, "Messages")))


def open_board(driver):
    driver.find_element(By.LINK_TEXT, "Open the live board").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "connection").text == "live")


FIND_ROW = """
var rows = document.querySelectorAll("#countries tr");
for (var i = 0; i < rows.length; i++) {
  if (rows[i].cells[1] && rows[i].cells[1].textContent === title) { return rows[i]; }
}
return null;
"""


def arrest_row(driver):
    """The arrest's row, found and read in one script call: the board redraws as events arrive."""
    return driver.execute_script("var title = arguments[0];" + FIND_ROW, ARREST)


def status_of_arrest(driver):
    return driver.execute_script(
        "var title = arguments[0]; var row = (function () {" + FIND_ROW + "})(); return row ? row.dataset.status : null;", ARREST)


def arrest_text(driver):
    return driver.execute_script(
        "var title = arguments[0]; var row = (function () {" + FIND_ROW + "})(); return row ? row.textContent : '';", ARREST)


def report_buttons(driver):
    return driver.execute_script(
        "var title = arguments[0]; var row = (function () {" + FIND_ROW + "})();"
        "return row ? row.querySelectorAll('.report button').length : 0;", ARREST)


def click_in_arrest_row(driver, css):
    clicked = driver.execute_script(
        "var title = arguments[0]; var row = (function () {" + FIND_ROW + "})();"
        "var button = row && row.querySelector(arguments[1]); if (button) { setTimeout(function () { button.click(); }, 0); return true; } return false;",
        ARREST, css)
    assert clicked, f"no {css} in the row of {ARREST}"


def wait_everywhere(drivers, condition, seconds=2.0):
    """Waits until `condition` holds in every browser; returns the seconds it took."""
    start = time.time()
    pending = list(drivers)
    while pending:
        pending = [driver for driver in pending if not condition(driver)]
        if pending and time.time() - start > seconds:
            names = ", ".join(driver.title for driver in pending)
            raise AssertionError(f"not shown within {seconds} s in: {names}")
        time.sleep(0.05)
    return time.time() - start


def test_arrest_reaches_every_board_and_restricted_targets_stay_hidden(server):
    coordinator, us_officer, fr_officer = browser(), browser(), browser()
    try:
        sign_in(coordinator, server, "coordinator")
        sign_in(us_officer, server, "us-officer")
        sign_in(fr_officer, server, "fr-officer")

        # The operation page lists targets by distribution: the US sees its own restricted
        # server, France does not, not even its name.
        assert RESTRICTED_US_TARGET in us_officer.page_source
        assert RESTRICTED_US_TARGET not in fr_officer.page_source
        assert "Suspect 2" not in fr_officer.page_source  # Cyprus restricted it to the lead and the US

        boards = [coordinator, us_officer, fr_officer]
        for driver in boards:
            open_board(driver)
        assert [status_of_arrest(driver) for driver in boards] == ["planned"] * 3
        # Only the coordinator controls the day.
        assert coordinator.find_elements(By.CSS_SELECTOR, "button.control.go")
        assert not us_officer.find_elements(By.CSS_SELECTOR, "button.control")
        # The French officer cannot report on the US's action.
        assert report_buttons(fr_officer) == 0
        assert report_buttons(us_officer) > 0

        click_in_arrest_row(us_officer, "button.report-ready")
        wait_everywhere(boards, lambda d: status_of_arrest(d) == "ready")

        # GO is given through a dialog that says what it does; the board then says who gave it.
        coordinator.find_element(By.CSS_SELECTOR, "button.control.go").click()
        confirm = WebDriverWait(coordinator, 5).until(
            expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, "#control-dialog button[type=submit]")))
        assert "ready action" in coordinator.find_element(By.CSS_SELECTOR, "#control-dialog .explain").text
        confirm.click()
        wait_everywhere(boards, lambda d: status_of_arrest(d) == "go")
        wait_everywhere(
            boards, lambda d: "GO given at" in d.execute_script("return document.getElementById('go-banner').textContent")
            and "EU Cybercrime Coordination Centre" in d.execute_script("return document.getElementById('go-banner').textContent"))

        click_in_arrest_row(us_officer, "button.report-inProgress")
        wait_everywhere(boards, lambda d: status_of_arrest(d) == "inProgress")

        # The outcome is reported through a form: its kind chosen for an arrest, how many, notes.
        click_in_arrest_row(us_officer, "button.report-done")
        report = WebDriverWait(us_officer, 5).until(
            expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, "#outcome-dialog button[type=submit]")))
        assert us_officer.find_element(By.CSS_SELECTOR, "#outcome-dialog select[name=kind]").get_attribute("value") == "arrested"
        count = us_officer.find_element(By.CSS_SELECTOR, "#outcome-dialog input[name=count]")
        count.clear()
        count.send_keys("1")
        report.click()
        took = wait_everywhere(
            boards,
            lambda d: status_of_arrest(d) == "done"
            and d.execute_script("return document.getElementById('count-arrests').textContent") == "1")
        print(f"the arrest reached all three boards in {took:.2f} s")
        assert "arrested: 1" in arrest_text(fr_officer)

        # The coordinator compiles the first sitrep, edits it and approves it after a
        # confirmation; it appears in the officers' live logs.
        coordinator.get(coordinator.current_url.replace("/board", "/sitreps"))
        coordinator.find_element(By.CSS_SELECTOR, "#compile-sitrep button.primary").click()
        WebDriverWait(coordinator, 10).until(expected_conditions.presence_of_element_located((By.ID, "edit-sitrep")))
        assert "Draft sitrep" in coordinator.page_source
        summary = coordinator.find_element(By.ID, "summary")
        summary.clear()
        summary.send_keys("First arrest in the United States.")
        coordinator.execute_script(
            "var button = document.querySelector('#edit-sitrep button[value=approved]');"
            "setTimeout(function () { button.click(); }, 0);")
        WebDriverWait(coordinator, 5).until(expected_conditions.alert_is_present())
        coordinator.switch_to.alert.accept()
        # The page reloads; read it in one script call so that no element goes stale.
        WebDriverWait(coordinator, 10).until(
            lambda d: "SPARKLER — SITREP 1" in d.execute_script("var h = document.querySelector('h1'); return h ? h.textContent : '';"))
        page = coordinator.page_source
        assert "First arrest in the United States." in page
        assert '<th scope="row">Arrests</th><td>1</td><td>1</td>' in page
        assert not coordinator.find_elements(By.ID, "edit-sitrep")
        took = wait_everywhere(
            [us_officer, fr_officer], lambda d: "SITREP 1" in d.execute_script("return document.getElementById('log').textContent"))
        print(f"the approved sitrep reached both officers' boards in {took:.2f} s")
    finally:
        for driver in (coordinator, us_officer, fr_officer):
            driver.quit()


def test_message_with_a_file_from_compose_to_acknowledgement(server):
    us_officer, fr_officer, de_officer = browser(), browser(), browser()
    folder = tempfile.mkdtemp(prefix="concert-upload-")
    path = os.path.join(folder, "exchange-accounts.csv")
    content = ("account,opened\n" + "".join(f"FR76-{n:06d},Lyon\n" for n in range(5000))).encode()
    with open(path, "wb") as file:
        file.write(content)
    subject = "Exchange accounts of the cash-out"
    try:
        sign_in(us_officer, server, "us-officer")
        us_officer.find_element(By.LINK_TEXT, "Messages").click()
        us_officer.find_element(By.LINK_TEXT, "Write a message").click()
        form = us_officer.find_element(By.ID, "compose")
        form.find_element(By.NAME, "subject").send_keys(subject)
        form.find_element(By.NAME, "body").send_keys("The **Lyon** accounts, as listed by the exchange.")
        # No handling code is chosen for the writer: sending without one is refused by the form.
        assert form.find_element(By.NAME, "handling").get_attribute("value") == ""
        for name, value in [("handling", "H2"), ("source", "A"), ("information", "2")]:
            form.find_element(By.CSS_SELECTOR, f"select[name={name}] option[value='{value}']").click()
        form.find_element(By.CSS_SELECTOR, "input[name=distribution][value=named]").click()
        for box in form.find_elements(By.CSS_SELECTOR, "input[name=agency]"):
            if "Police nationale" in box.find_element(By.XPATH, "..").text:
                box.click()
        form.find_element(By.NAME, "file").send_keys(path)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(us_officer, 10).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "ul.attachments")
            or d.execute_script("var m = document.getElementById('message'); return m && !m.hidden && m.textContent"))
        assert us_officer.find_elements(By.CSS_SELECTOR, "ul.attachments"), us_officer.find_element(By.ID, "message").text
        page = us_officer.page_source
        assert hashlib.sha256(content).hexdigest() in page
        assert "Police nationale" in page and "not yet" in page

        sign_in(fr_officer, server, "fr-officer")
        fr_officer.find_element(By.LINK_TEXT, "Messages").click()
        row = fr_officer.find_element(By.XPATH, f"//tr[.//a[text()='{subject}']]")
        assert "unread" in row.get_attribute("class")
        fr_officer.find_element(By.LINK_TEXT, subject).click()
        WebDriverWait(fr_officer, 10).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "div.body strong")))
        assert fr_officer.find_element(By.CSS_SELECTOR, "div.body strong").text == "Lyon"
        link = fr_officer.find_element(By.LINK_TEXT, "exchange-accounts.csv").get_attribute("href")
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in fr_officer.get_cookies())
        import urllib.request

        with urllib.request.urlopen(urllib.request.Request(link, headers={"Cookie": cookie})) as response:
            assert response.headers["Content-Disposition"].startswith("attachment;")
            assert response.read() == content
        fr_officer.find_element(By.CSS_SELECTOR, "button.acknowledge").click()
        WebDriverWait(fr_officer, 5).until(
            lambda d: "acknowledged by your agency" in d.find_element(By.CSS_SELECTOR, "p.actions").text)

        us_officer.refresh()
        assert "Police nationale – OCLCTIC: acknowledged" in us_officer.find_element(By.CSS_SELECTOR, "ul.receipts").text

        sign_in(de_officer, server, "de-officer")
        de_officer.find_element(By.LINK_TEXT, "Messages").click()
        assert subject not in de_officer.page_source
    finally:
        for driver in (us_officer, fr_officer, de_officer):
            driver.quit()
