"""A second factor set up and used in the browser, as an investigator would.

France's officer opens "Second factor", sets it up by scanning the QR code the page shows
(decoded here from a screenshot of the page with zbar, as a phone's camera would read it),
types the app's code (computed with pyotp from what was scanned), keeps the recovery codes,
signs out, and signs in again: without a code the form asks for it; with the app's code, or a
recovery code (once), it lets them in. Every page is scanned with axe-core and photographed at
1400 and 390 px.
"""

import io
import time

import pyotp
from conftest import PASSWORD, browser
from PIL import Image
from pyzbar.pyzbar import decode
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from test_workspace import SCREENSHOTS, look, text_of


def submit_login(driver, base, code=None):
    driver.get(base + "/login")
    driver.find_element(By.ID, "username").send_keys("fr-officer")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    if code is not None:
        driver.find_element(By.ID, "code").send_keys(code)
    driver.find_element(By.CSS_SELECTOR, "button.primary").click()


def refused(driver):
    """Waits for the page that answers a refused form; returns its error's text."""
    return WebDriverWait(driver, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, ".error")).text


def sign_out(driver):
    driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
    WebDriverWait(driver, 10).until(expected_conditions.url_contains("/login"))


def test_set_up_and_sign_in_with_a_second_factor(server):
    print(f"\nscreenshots of the second factor: {SCREENSHOTS}")
    driver = browser()
    try:
        submit_login(driver, server)
        WebDriverWait(driver, 10).until(expected_conditions.url_contains("/operations"))
        driver.find_element(By.LINK_TEXT, "Second factor").click()
        assert "Set up a second factor" in text_of(driver)
        look(driver, "second-factor-offer")
        driver.find_element(By.CSS_SELECTOR, "form[action='/account/second-factor/start'] button").click()
        qr = WebDriverWait(driver, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, "figure.qr svg"))
        look(driver, "second-factor-scan")

        # What a phone's camera reads off the screen.
        driver.set_window_size(1400, 1000)
        qr = driver.find_element(By.CSS_SELECTOR, "figure.qr svg")
        image = Image.open(io.BytesIO(qr.screenshot_as_png))
        found = decode(image)
        assert found, "the QR code on the page does not scan"
        uri = found[0].data.decode()
        assert uri.startswith("otpauth://totp/Concert:fr-officer?secret=")
        typed = driver.find_element(By.CSS_SELECTOR, "code.secret").text.replace(" ", "")
        assert f"secret={typed}&" in uri, "the key to type is not the one the QR code holds"
        app = pyotp.parse_uri(uri)

        # A wrong code sets nothing up.
        driver.find_element(By.ID, "code").send_keys("000000" if app.now() != "000000" else "111111")
        driver.find_element(By.CSS_SELECTOR, "form[action='/account/second-factor/confirm'] button").click()
        assert "does not match" in refused(driver)
        # The code of the step before now: within the window, and it leaves now's code unused.
        driver.find_element(By.ID, "code").send_keys(app.at(time.time() - 30))
        driver.find_element(By.CSS_SELECTOR, "form[action='/account/second-factor/confirm'] button").click()
        codes = WebDriverWait(driver, 10).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "ol.recovery-codes code"))
        recovery = [code.text for code in codes]
        assert len(recovery) == 10 and len(set(recovery)) == 10
        assert "shown only now" in text_of(driver)
        look(driver, "second-factor-recovery-codes")
        driver.get(server + "/account/second-factor")
        assert "recovery codes are unused" in text_of(driver) and 'class="recovery-codes"' not in driver.page_source
        look(driver, "second-factor-on")
        sign_out(driver)

        # The password alone no longer opens the account: the form says what is missing.
        submit_login(driver, server)
        assert "second factor" in refused(driver)
        assert "/login" in driver.current_url
        look(driver, "second-factor-sign-in-asks")
        used = app.now()
        submit_login(driver, server, code=used)
        WebDriverWait(driver, 10).until(expected_conditions.url_contains("/operations"))
        sign_out(driver)
        # The same code twice: refused (the code kept, not the app's again, which is another
        # once the 30 s step has turned).
        submit_login(driver, server, code=used)
        assert "wrong" in refused(driver) and "/login" in driver.current_url
        # A recovery code, once.
        submit_login(driver, server, code=recovery[0])
        WebDriverWait(driver, 10).until(expected_conditions.url_contains("/operations"))
        sign_out(driver)
        submit_login(driver, server, code=recovery[0])
        assert "wrong" in refused(driver) and "/login" in driver.current_url
    finally:
        driver.quit()


def test_see_and_end_ones_sessions(server):
    from conftest import sign_in
    from test_workspace import api, token_of

    other = token_of(server, "no-officer")
    driver = browser()
    try:
        sign_in(driver, server, "no-officer")
        driver.find_element(By.LINK_TEXT, "Sessions").click()
        rows = driver.find_elements(By.CSS_SELECTOR, "table tbody tr")
        assert len(rows) == 2, text_of(driver)
        assert sum("(this one)" in row.text for row in rows) == 1
        look(driver, "sessions")
        other_row = next(row for row in rows if "(this one)" not in row.text)
        other_row.find_element(By.CSS_SELECTOR, "button").click()
        WebDriverWait(driver, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "table tbody tr")) == 1)
        status, _ = api(server, "GET", "/api/v1/me", token=other)
        assert status == 401, "the ended session still works"
    finally:
        driver.quit()
