"""What the browser tests share: a `concert demo` server of their own, and headless Chromium.

Chromium and chromedriver are Debian's, named outright, so that Selenium never looks for a
driver on the network.
"""

import os
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

PASSWORD = "concert-demo-2020"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(request):
    """A fresh `concert demo` in a scratch folder, on a free loopback port; a test module may
    add environment variables in its SERVER_ENVIRONMENT."""
    binary = os.path.abspath(os.environ.get("CONCERT_BINARY", ".build/debug/concert"))
    folder = tempfile.mkdtemp(prefix="concert-browser-")
    port = free_port()
    log = open(os.path.join(folder, "demo.log"), "w")
    environment = dict(os.environ, **getattr(request.module, "SERVER_ENVIRONMENT", {}))
    process = subprocess.Popen([binary, "demo", "--listen", f"127.0.0.1:{port}"], cwd=folder, stdout=log, stderr=log,
                               env=environment)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/api/v1/health", timeout=1)
            break
        except OSError:
            if time.time() > deadline:
                process.kill()
                raise
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=30)


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
