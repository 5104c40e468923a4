"""What the browser tests share: a `concert demo` server of their own, and headless Chromium.

Chromium and chromedriver are Debian's, named outright, so that Selenium never looks for a
driver on the network.
"""

import os

import pytest
from concert_demo import running_demo
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

PASSWORD = "concert-demo-2020"


@pytest.fixture(scope="module")
def server(request):
    """A fresh `concert demo` in a scratch folder, on a free loopback port; a test module may
    add environment variables in its SERVER_ENVIRONMENT."""
    with running_demo("concert-browser-", environment=getattr(request.module, "SERVER_ENVIRONMENT", {})) as demo:
        yield demo.base


def sign_in(driver, base, username):
    """Signs in with the form and waits for the list of operations."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base + "/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button.primary").click()
    WebDriverWait(driver, 10).until(expected_conditions.url_contains("/operations"))


def browser(width=1400, height=1000):
    options = Options()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}"]:
        options.add_argument(argument)
    binary = "/usr/bin/chromium"
    if os.path.exists(binary):
        options.binary_location = binary
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
