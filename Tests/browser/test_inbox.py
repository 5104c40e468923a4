"""The inbox of a long case in the browser, a page at a time, as the coordinator reads it.

France's officer sends 110 messages to every participant (one of them about a café in
Zürich) and one to the lead agency alone. The coordinator's inbox shows the newest 100 with
the counts of the whole inbox, and "older messages" for the rest; the counts lead to the
unread and to-acknowledge pages; opening a message lowers the unread count by one; a search
folds accents. An officer of another agency finds neither the message to the lead agency nor
its count. The operation log reads newest first with its own pages. Every page is scanned with
axe-core and photographed at 1400 and 390 px.
"""

import re

from conftest import browser, sign_in
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from test_workspace import SCREENSHOTS, api, look, text_of, token_of


def rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "table.messages tbody tr")


def count(driver, css):
    return int(re.match(r"\d+", driver.find_element(By.CSS_SELECTOR, css).text).group(0))


def test_a_long_inbox_page_by_page(server):
    print(f"\nscreenshots of the inbox: {SCREENSHOTS}")
    sender = token_of(server, "fr-officer")
    coordinator = token_of(server, "coordinator")
    _, operations = api(server, "GET", "/api/v1/operations", token=coordinator)
    operation = operations["items"][0]
    path = f"/api/v1/operations/{operation['id']}"
    for number in range(110):
        subject = "Café meeting in Zürich" if number == 42 else f"Situation report {number}"
        status, body = api(server, "POST", path + "/messages", {
            "subject": subject, "body": f"Teams report {number}.", "handling": "H0", "evaluation": "B2",
            "distribution": "all"}, token=sender)
        assert status == 201, body
    status, body = api(server, "POST", path + "/messages", {
        "subject": "Only for the lead agency", "body": "Source details.", "handling": "H2", "evaluation": "B2",
        "distribution": [operation["leadAgencyId"]]}, token=sender)
    assert status == 201, body
    for number in range(3):
        api(server, "POST", path + "/log", {"text": f"Log entry {number}"}, token=sender)

    driver = browser()
    try:
        sign_in(driver, server, "coordinator")
        inbox = f"{server}/operations/{operation['id']}/messages"
        driver.get(inbox)
        assert len(rows(driver)) == 100
        assert rows(driver)[0].text.startswith("Only for the lead agency"), "newest first"
        unread = count(driver, ".count-unread")
        assert unread >= 111
        look(driver, "inbox")
        driver.find_element(By.LINK_TEXT, "older messages →").click()
        WebDriverWait(driver, 10).until(lambda d: "after=" in d.current_url)
        older = [row.text for row in rows(driver)]
        assert older and not any(text.startswith("Only for the lead agency") for text in older)
        assert driver.find_elements(By.LINK_TEXT, "← newest")
        look(driver, "inbox-older")

        # The unread count leads to the unread page; opening a message reads it.
        driver.get(inbox)
        driver.find_element(By.CSS_SELECTOR, "a.count-unread").click()
        WebDriverWait(driver, 10).until(lambda d: "unread=true" in d.current_url)
        first = rows(driver)[0].find_element(By.CSS_SELECTOR, "a")
        opened = first.text
        first.click()
        WebDriverWait(driver, 10).until(lambda d: opened in text_of(d))
        driver.get(inbox + "?unread=true")
        assert count(driver, ".count-unread") == unread - 1
        assert all(row.text != opened for row in rows(driver)[:1]), "the opened message left the unread page"

        # A search folds accents, as the store does on both engines.
        search = driver.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
        search.send_keys("cafe zurich")
        search.submit()
        WebDriverWait(driver, 10).until(lambda d: "q=" in d.current_url)
        assert [row.text.split("\n")[0] for row in rows(driver)] == ["Café meeting in Zürich"] or \
            rows(driver)[0].text.startswith("Café meeting in Zürich")
        assert len(rows(driver)) == 1
        look(driver, "inbox-search")

        # The log, newest first, with a link to the significant entries only.
        driver.get(f"{server}/operations/{operation['id']}/log")
        entries = driver.find_elements(By.CSS_SELECTOR, "table.log-entries tbody tr")
        assert "Log entry 2" in entries[0].text
        assert driver.find_elements(By.LINK_TEXT, "significant entries only")
        look(driver, "log")

        # Another agency's officer: neither the lead's message nor a trace of it in the counts.
        driver.delete_all_cookies()
        sign_in(driver, server, "us-officer")
        driver.get(inbox)
        assert "Only for the lead agency" not in text_of(driver)
        other_unread = count(driver, ".count-unread")
        # Its count is the list it may read: the lead's message is neither listed nor counted.
        _, listed = api(server, "GET", path + "/messages?unread=true&limit=500", token=token_of(server, "us-officer"))
        assert other_unread == listed["unread"] == len(listed["items"]), (other_unread, len(listed["items"]))
        assert all(item["subject"] != "Only for the lead agency" for item in listed["items"])

        # The hits page, paged as its API route is.
        driver.delete_all_cookies()
        sign_in(driver, server, "fr-officer")
        driver.get(f"{server}/hits")
        assert driver.find_elements(By.ID, "hit-pages")
        look(driver, "hits")
    finally:
        driver.quit()
