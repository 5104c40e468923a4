#!/usr/bin/env python3
"""The board and the plan at the size of a large action day, in Chromium.

    scripts/bench pages        (or: python3 scripts/bench_pages.py PATH/TO/concert)

Starts `concert demo` (release build) in a scratch folder on 127.0.0.1 and grows the demo
operation through the API to 10,000 targets (imported by the French officer, in batches) and
1,000 actions (planned by the coordinator; 50 of them about 50 targets of 1,000 selectors
each), then prints:
- GET …/actions as the coordinator and as the French officer: median and p99 of 50 requests
  (target: median under 20 ms);
- the size of the board and of the operation page (the plan) with their scripts and style
  sheet (target: under 300 KB for the board);
- the time from navigation to the first complete render in headless Chromium (Debian's,
  named outright): the board when every action's row and the timeline are drawn, the
  operation page when it has loaded (target: under 1 s each), median of 5.
Bounded in count and time; loopback only.
"""

import os
import sys
import time
import urllib.request

from bench_support import PASSWORD, Client, every_page, percentile, running_demo

TARGETS = int(os.environ.get("CONCERT_BENCH_TARGETS", "10000"))
ACTIONS = int(os.environ.get("CONCERT_BENCH_ACTIONS", "1000"))
HEAVY = 50  # targets of 1,000 selectors, each with an action about it


def grow(base):
    coordinator, officer = Client(base, "coordinator"), Client(base, "fr-officer")
    operation = next(o for o in coordinator.call("GET", "/api/v1/operations")[1]["items"] if o["codeName"] == "SPARKLER")
    path = f"/api/v1/operations/{operation['id']}"
    france = next(a for a in coordinator.call("GET", "/api/v1/agencies")[1]["items"]
                  if a["country"] == "FR" and a["kind"] == "police")
    started = time.time()
    heavy = [{
        "kind": "server", "name": f"Mirror {n}", "handling": "H0", "evaluation": "B2", "distribution": "all",
        "selectors": [{"kind": "url", "value": f"https://mirror{n}.example/release/{i}"} for i in range(1000)],
    } for n in range(HEAVY)]
    for batch in range(0, HEAVY, 10):
        officer.call("POST", path + "/targets/import", {"targets": heavy[batch:batch + 10]})
    light = [{
        "kind": "server", "name": f"Seedbox {n}", "handling": "H0" if n % 10 else "H2", "evaluation": "B2",
        "distribution": "all" if n % 10 else [france["id"]],
        "selectors": [{"kind": "ip", "value": f"2001:db8:b:{n:x}::1"}],
    } for n in range(TARGETS - HEAVY)]
    for batch in range(0, len(light), 2000):
        officer.call("POST", path + "/targets/import", {"targets": light[batch:batch + 2000]})
    targets = every_page(officer, path + "/targets")
    heavy_ids = [t["id"] for t in targets if t["name"].startswith("Mirror ")]
    print(f"   grew SPARKLER to {len(targets)} targets in {time.time() - started:.1f} s")
    started = time.time()
    for n in range(ACTIONS):
        body = {
            "kind": "serverTakedown", "title": f"Take down mirror {n}", "executingAgencyId": france["id"],
            "place": "Roubaix", "country": "FR", "timeZone": "Europe/Paris", "offsetMinutes": -2880 + n * 4,
            "gates": ["Provider on site"],
        }
        if n < len(heavy_ids):
            body["targetId"] = heavy_ids[n]
        coordinator.call("POST", path + "/actions", body)
    actions = every_page(coordinator, path + "/actions")
    print(f"   and to {len(actions)} actions in {time.time() - started:.1f} s")
    return operation["id"], coordinator, officer


def measure_actions(path, client, name):
    # The plan of 1,000 actions is two pages of 500: each is timed, and the two together.
    second = client.call("GET", path + "/actions?limit=500")[1]["next"]
    pages = {"first page": [], "second page": [], "both": []}
    for _ in range(50):
        started = time.perf_counter()
        client.raw(path + "/actions?limit=500")
        middle = time.perf_counter()
        client.raw(path + f"/actions?limit=500&after={second}")
        ended = time.perf_counter()
        pages["first page"].append((middle - started) * 1000)
        pages["second page"].append((ended - middle) * 1000)
        pages["both"].append((ended - started) * 1000)
    for part, times in pages.items():
        print(f"   GET …/actions as {name}, {part} (500 each): median {percentile(times, 0.5):.1f} ms, "
              f"p99 {percentile(times, 0.99):.1f} ms")


def browse(base, operation_id):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = Options()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"]:
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(base + "/login")
        driver.find_element(By.ID, "username").send_keys("coordinator")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "button.primary").click()
        WebDriverWait(driver, 30).until(lambda d: "/operations" in d.current_url)
        for page, ready in [
            ("board", "return document.querySelectorAll('#countries tbody tr').length >= arguments[0]"
                      " && document.querySelectorAll('#timeline rect').length >= arguments[0]"),
            ("", "return document.readyState === 'complete'"),
        ]:
            times = []
            for _ in range(5):
                driver.get("about:blank")
                started = time.perf_counter()
                driver.get(f"{base}/operations/{operation_id}" + (f"/{page}" if page else ""))
                WebDriverWait(driver, 60, poll_frequency=0.01).until(lambda d: d.execute_script(ready, ACTIONS))
                times.append((time.perf_counter() - started) * 1000)
            name = "the board (every row and the timeline drawn)" if page else "the operation page (the plan)"
            print(f"   first complete render of {name}: median {percentile(times, 0.5):.0f} ms, "
                  f"worst {max(times):.0f} ms (5 loads)")
    finally:
        driver.quit()


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/concert"
    # The check budget would hold back one officer's 60,000 selectors within the hour.
    with running_demo(binary, ["--check-budget-user", "1000000", "--check-budget-agency", "1000000"],
                      prefix="concert-bench-pages-") as base:
        print(f"== The board and the plan with {TARGETS} targets and {ACTIONS} actions "
              "(targets: GET …/actions median < 20 ms, board < 300 KB, first render < 1 s)")
        operation_id, coordinator, officer = grow(base)
        path = f"/api/v1/operations/{operation_id}"
        measure_actions(path, coordinator, "the coordinator")
        measure_actions(path, officer, "the French officer")
        for name, page, assets in [
            ("board", f"/operations/{operation_id}/board", ["/static/board.js", "/static/concert.js", "/static/concert.css"]),
            ("operation page", f"/operations/{operation_id}", ["/static/forms.js", "/static/concert.js", "/static/concert.css"]),
        ]:
            request = urllib.request.Request(base + page)
            request.add_header("Authorization", f"Bearer {coordinator.token}")
            html = urllib.request.urlopen(request, timeout=60).read()
            size = len(html) + sum(len(urllib.request.urlopen(base + asset, timeout=60).read()) for asset in assets)
            print(f"   size of the {name} with its scripts and style sheet: {size / 1024:.0f} KB (HTML {len(html) / 1024:.0f} KB)")
        browse(base, operation_id)


if __name__ == "__main__":
    main()
