"""An exhibit from its seizure to its receipt abroad, in the browser, as the officers would.

France's officer takes one of its server takedowns to "in progress" and records the server as
an exhibit through the form, with its SHA-256 hash (a mistyped one is refused next to its
field and writes nothing); hands it over to the lead agency; the lead's coordinator confirms
receipt with a hash that does not match, and the exhibit is flagged on its page, in the
register and on the board. Every page is scanned with axe-core and photographed at 1400 and
390 px; the API then confirms the chain and that an agency outside its distribution sees none of it.
"""

from conftest import browser, sign_in
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from test_workspace import SCREENSHOTS, api, choose, look, submit, text_of, token_of, type_into

DIGEST = "5f" * 32


def test_exhibit_from_seizure_to_receipt(server):
    print(f"\nscreenshots of the exhibits: {SCREENSHOTS}")
    officer = token_of(server, "fr-officer")
    coordinator = token_of(server, "coordinator")
    _, agencies = api(server, "GET", "/api/v1/agencies", token=officer)
    french = next(a for a in agencies["items"] if a["country"] == "FR" and a["kind"] == "police")
    _, operations = api(server, "GET", "/api/v1/operations", token=officer)
    operation = operations["items"][0]
    lead = operation["leadAgencyId"]
    path = f"/api/v1/operations/{operation['id']}"
    _, actions = api(server, "GET", path + "/actions", token=officer)
    action = next(a for a in actions["items"]
                  if a["executingAgencyId"] == french["id"] and a["kind"] == "serverTakedown" and not a.get("gates"))
    # The team gets ready, the coordinator gives the action GO, the team starts.
    for who, status in [(officer, "ready"), (coordinator, "go"), (officer, "inProgress")]:
        code, body = api(server, "POST", path + f"/actions/{action['id']}/status", {"status": status}, token=who)
        assert code == 200, body

    driver = browser()
    try:
        sign_in(driver, server, "fr-officer")
        driver.get(f"{server}/operations/{operation['id']}/exhibits/new?action={action['id']}")
        form = driver.find_element(By.CSS_SELECTOR, "form[data-api]")
        assert action["id"] == form.find_element(By.NAME, "actionId").get_attribute("value")
        choose(form.find_element(By.NAME, "kind"), value="server")
        type_into(form, "description", "Rack server, two disks, powered off")
        sha = form.find_element(By.CSS_SELECTOR, "input[data-algorithm='SHA-256']")
        sha.send_keys("not-a-hash")
        choose(form.find_element(By.NAME, "handling"), value="H0")
        choose(form.find_element(By.CSS_SELECTOR, "[data-part=source]"), value="A")
        choose(form.find_element(By.CSS_SELECTOR, "[data-part=information]"), value="1")
        look(driver, "exhibit-new")
        problem = submit(driver, form)
        assert problem and "SHA-256" in problem, problem
        _, counts = api(server, "GET", path + "/exhibits/counts", token=officer)
        assert counts["total"] == 0, "a refused exhibit was written"
        sha.clear()
        sha.send_keys(DIGEST.upper())
        assert submit(driver, form) is None
        WebDriverWait(driver, 10).until(lambda d: "/exhibits/" in d.current_url and "Chain of custody" in text_of(d))
        exhibit_id = driver.current_url.rsplit("/", 1)[1]
        page = text_of(driver)
        assert "FR-2026-0001" in page and DIGEST in page and "1. Seized" in page
        # Handed over to the lead agency.
        form = driver.find_element(By.CSS_SELECTOR, "form[data-api$='/custody']")
        choose(form.find_element(By.NAME, "kind"), value="handedOver")
        choose(form.find_element(By.NAME, "toAgencyId"), value=lead)
        type_into(form, "toPerson", "Case Coordinator")
        assert submit(driver, form) is None
        WebDriverWait(driver, 10).until(lambda d: "In transit" in text_of(d))
        look(driver, "exhibit-in-transit")
    finally:
        driver.quit()

    driver = browser()
    try:
        sign_in(driver, server, "coordinator")
        driver.get(f"{server}/operations/{operation['id']}/exhibits/{exhibit_id}")
        form = driver.find_element(By.CSS_SELECTOR, "form[data-api$='/receipt']")
        choose(form.find_element(By.NAME, "hashCheck.algorithm"), value="SHA-256")
        type_into(form, "hashCheck.value", "00" * 32)
        assert submit(driver, form) is None
        WebDriverWait(driver, 10).until(lambda d: "HASH MISMATCH" in text_of(d))
        assert "DOES NOT MATCH" in text_of(driver)
        look(driver, "exhibit-mismatch")
        driver.get(f"{server}/operations/{operation['id']}/exhibits")
        assert "FR-2026-0001" in text_of(driver) and "HASH MISMATCH" in text_of(driver)
        look(driver, "exhibits-register")
        driver.get(f"{server}/operations/{operation['id']}/board")
        WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "count-exhibits").text == "1")
        assert not driver.find_element(By.ID, "exhibit-mismatches").get_attribute("hidden")
        driver.get(f"{server}/operations/{operation['id']}/exhibits/{exhibit_id}/report")
        assert "Handed over" in text_of(driver) and "Received" in text_of(driver)
        look(driver, "exhibit-report")
    finally:
        driver.quit()

    _, exhibit = api(server, "GET", path + f"/exhibits/{exhibit_id}", token=coordinator)
    assert [entry["kind"] for entry in exhibit["custody"]] == ["seized", "handedOver", "received"]
    assert exhibit["holderAgencyId"] == lead and exhibit["hashMismatchEntryId"] == exhibit["custody"][2]["id"]
    assert exhibit["hashes"] == [{"algorithm": "SHA-256", "value": DIGEST}]
    # Norway takes no part: the operation, and so the exhibit, does not exist for it.
    outsider = token_of(server, "no-officer")
    code, _ = api(server, "GET", path + f"/exhibits/{exhibit_id}", token=outsider)
    assert code == 404
