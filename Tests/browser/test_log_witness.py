"""The board's own witness of the log, in Chromium.

The French officer opens the live board: the browser fetches the newest signed checkpoint,
checks its Ed25519 signature with WebCrypto and keeps it; the board reads "Log verified to N".
The log grows (a message is sent) and the next check proves, with a consistency proof the page
checks itself, that the new checkpoint extends the kept one. A checkpoint kept in the browser
that the log does not extend (as after a rewrite) turns the line into an alarm that says so.
"""

from conftest import browser, sign_in
from selenium.webdriver.support.ui import WebDriverWait
from test_workspace import api, look, text_of, token_of

# A log key whose verifier key's base64 holds "+" and "/": the key text is name+hash+base64, and
# a page that split it at every "+" refused every checkpoint of such a key (one run in three).
SERVER_ENVIRONMENT = {"CONCERT_LOG_KEY": "BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}


def verified_size(driver):
    text = text_of(driver, "#log-verified")
    if not text.startswith("Log verified to "):
        return None
    return int(text[len("Log verified to "):].replace(",", ""))


def test_board_verifies_the_log(server):
    officer = token_of(server, "fr-officer")
    _, operations = api(server, "GET", "/api/v1/operations", token=officer)
    operation = operations["items"][0]
    with browser() as driver:
        sign_in(driver, server, "fr-officer")
        driver.get(f"{server}/operations/{operation['id']}/board")
        WebDriverWait(driver, 15).until(
            lambda d: verified_size(d) is not None,
            "the board never verified the log")
        first = verified_size(driver)
        _, checkpoint = api(server, "GET", "/api/v1/log/checkpoint", token=officer)
        assert first <= checkpoint["size"]
        assert checkpoint["verifierKey"].count("+") > 2, "the key chosen no longer puts a + in its base64"
        look(driver, "board-log-verified")

        # The log grows; a reload checks the new checkpoint against the kept one.
        api(server, "POST", f"/api/v1/operations/{operation['id']}/log", token=officer,
            body={"text": "Door of the Paris flat opened"})
        driver.refresh()
        WebDriverWait(driver, 15).until(lambda d: (verified_size(d) or 0) > first, "the grown log was not verified")
        kept = driver.execute_script("return JSON.parse(localStorage.getItem('concert-log-witness'))")
        assert kept["size"] == verified_size(driver)

        # A kept checkpoint the log does not extend: same size, another root.
        kept["root"] = "00" * 32
        kept["size"] = kept["size"] - 1
        driver.execute_script("localStorage.setItem('concert-log-witness', JSON.stringify(arguments[0]))", kept)
        driver.refresh()
        WebDriverWait(driver, 15).until(lambda d: text_of(d, "#log-verified").startswith("LOG CHECK FAILED"))
        assert "does not extend" in text_of(driver, "#log-verified")
        assert "alarm" in driver.find_element("id", "log-verified").get_attribute("class")
