"""The import page with a partner's file, in Chromium: a rights holder's table with a bad row
is previewed with the row's line and column and cannot be recorded; corrected, the preview
says what it will create and which identifier it leaves out as too wide, and the import
records the targets only when confirmed. A STIX bundle is previewed the same way. On the
operation's page, the exports are offered and the agency's schedule becomes a calendar address
that opens without signing in, until it is ended.

Every page visited is scanned with axe-core and photographed at 1400 and 390 px wide
(the folder is printed; CONCERT_SCREENSHOTS names one).
"""

import json
import os
import tempfile
import urllib.error
import urllib.request

from conftest import PASSWORD, browser, sign_in
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_workspace import SCREENSHOTS, api, look, text_of, token_of


def test_a_partners_file_is_previewed_with_its_places_then_recorded_when_confirmed(server):
    token = token_of(server, "cy-officer")
    operation_id = api(server, "GET", "/api/v1/operations", token=token)[1]["items"][0]["id"]
    targets_path = f"/api/v1/operations/{operation_id}/targets?limit=500"

    def names():
        return [t["name"] for t in api(server, "GET", targets_path, token=token)[1]["items"]]

    before = names()
    folder = tempfile.mkdtemp(prefix="concert-import-")
    table = os.path.join(folder, "referral.csv")
    with open(table, "w", encoding="utf-8") as handle:
        handle.write("\ufeffName;Server IP;Domain\r\n"
                     "Streaming front;198.51.100.141;stream-front.example\r\n"
                     "Payment page;198.51.100.300;pay-front.example\r\n")
    driver = browser()
    try:
        sign_in(driver, server, "cy-officer")
        driver.get(server + f"/operations/{operation_id}/targets/import")
        form = driver.find_element(By.ID, "import")
        form.find_element(By.NAME, "file").send_keys(table)
        Select(form.find_element(By.NAME, "handling")).select_by_value("H1")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "refused whole" in text_of(d, "#import-summary"))
        notes = text_of(driver, "#import-notes")
        assert "line 3, column 2 (Server IP)" in notes and "198.51.100.300" in notes, notes
        assert not driver.find_element(By.ID, "import-confirm").is_enabled()
        look(driver, "import-table-refused")
        assert names() == before

        with open(table, "w", encoding="utf-8") as handle:
            handle.write("Name;Server IP;Domain\r\n"
                         "Streaming front;198.51.100.141;stream-front.example\r\n"
                         "Payment page;198.51.100.142;co.uk\r\n")
        form = driver.find_element(By.ID, "import")
        form.find_element(By.NAME, "file").clear()
        form.find_element(By.NAME, "file").send_keys(table)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "2 to create" in text_of(d, "#import-summary"))
        assert "1 identifier left out" in text_of(driver, "#import-summary")
        assert "public suffix" in text_of(driver, "#import-notes")
        rows = text_of(driver, "#import-rows tbody")
        assert "line 2" in rows and "Streaming front" in rows and "H1 (yours)" in rows, rows
        look(driver, "import-table-preview")
        assert names() == before, "the preview wrote"
        driver.find_element(By.ID, "import-confirm").click()
        WebDriverWait(driver, 10).until(lambda d: "Recorded 2 targets new" in text_of(d, "#import-summary"))
        after = names()
        assert len(after) == len(before) + 2 and "Payment page" in after

        bundle = os.path.join(folder, "partner.stix.json")
        with open(bundle, "w", encoding="utf-8") as handle:
            json.dump({"type": "bundle", "id": "bundle--5b3c0000-0000-4000-8000-000000000000", "objects": [
                {"type": "relationship", "spec_version": "2.1", "id": "relationship--5b3c0000-0000-4000-8000-000000000001",
                 "relationship_type": "indicates", "source_ref": "indicator--5b3c0000-0000-4000-8000-000000000002",
                 "target_ref": "infrastructure--5b3c0000-0000-4000-8000-000000000003"},
                {"type": "indicator", "spec_version": "2.1", "id": "indicator--5b3c0000-0000-4000-8000-000000000002",
                 "pattern_type": "stix", "pattern": "[ipv4-addr:value = '198.51.100.143']",
                 "object_marking_refs": ["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]},
                {"type": "infrastructure", "spec_version": "2.1",
                 "id": "infrastructure--5b3c0000-0000-4000-8000-000000000003", "name": "Partner CDN node"},
                {"type": "malware", "spec_version": "2.1", "id": "malware--5b3c0000-0000-4000-8000-000000000004",
                 "name": "x", "is_family": False},
            ]}, handle)
        driver.get(server + f"/operations/{operation_id}/targets/import")
        form = driver.find_element(By.ID, "import")
        form.find_element(By.NAME, "file").send_keys(bundle)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "STIX bundle: 1 to create" in text_of(d, "#import-summary"))
        assert "H3 (from the file)" in text_of(driver, "#import-rows tbody")
        assert "Not read: 1 malware" in text_of(driver, "#import-notes")
        look(driver, "import-stix-preview")

        # The operation's page: the exports for partners' tools, and the agency's schedule as a
        # calendar address that a calendar client polls without signing in, until it is ended.
        driver.get(server + f"/operations/{operation_id}")
        assert driver.find_element(By.LINK_TEXT, "STIX 2.1 bundle").get_attribute("href").endswith("/exports/stix")
        driver.find_element(By.ID, "calendar-subscribe").click()
        WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "calendar-url").get_attribute("value"))
        address = driver.find_element(By.ID, "calendar-url").get_attribute("value")
        assert address.startswith(server + f"/api/v1/operations/{operation_id}/schedule.ics?token="), address
        with urllib.request.urlopen(address) as response:
            calendar = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/calendar") and "BEGIN:VEVENT" in calendar
        look(driver, "operation-calendar")
        # The whole page is longer than a photograph holds: the calendar part, as one sees it.
        for width, height in ((1400, 1000), (390, 844)):
            driver.set_window_size(width, height)
            driver.execute_script("document.getElementById('calendar').scrollIntoView()")
            driver.save_screenshot(os.path.join(SCREENSHOTS, f"operation-calendar-in-view-{width}.png"))
        driver.set_window_size(1400, 1000)
        driver.find_element(By.ID, "calendar-end").click()
        WebDriverWait(driver, 10).until(lambda d: not d.find_element(By.ID, "calendar-address").is_displayed())
        try:
            urllib.request.urlopen(address)
            raise AssertionError("the ended calendar address still opens the schedule")
        except urllib.error.HTTPError as error:
            assert error.code == 401
    finally:
        driver.quit()
    print(f"\nscreenshots of the import page: {SCREENSHOTS}")
