"""Headless Chromium through Selenium and Debian's chromedriver, for the diagram tests."""

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
                  "--window-size=1400,900"]


def chromium_paths():
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return browser, driver


def browser_or_skip():
    browser, driver = chromium_paths()
    if not (browser and driver):
        if os.environ.get("CI") == "true":
            pytest.fail("CI must have Debian's chromium and chromium-driver (.ci/run installs them)")
        pytest.skip("chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    return browser, driver


class Page:
    """What a person would see: console messages, requests, the vis network, a screenshot."""

    def __init__(self, driver, url):
        self.driver = driver
        self.url = url

    def console_errors(self):
        return [e for e in self.driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]

    def requested_urls(self):
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def script(self, source):
        return self.driver.execute_script(source)


def open_page(path, wait_for_ready=True, timeout=60):
    driver, close = web_driver(prefix="tsunagu-chromium-", script_timeout=None)
    url = Path(path).resolve().as_uri()
    # Chromium's own start page makes chrome:// requests; start clean and drop their log.
    driver.get("about:blank")
    driver.get_log("performance")
    driver.get_log("browser")
    driver.get(url)
    if wait_for_ready:
        deadline = time.monotonic() + timeout
        while driver.execute_script("return document.body.getAttribute('data-ready')") != "true":
            if time.monotonic() > deadline:
                close()
                raise AssertionError(f"{path} did not finish drawing in {timeout}s")
            time.sleep(0.2)
    return Page(driver, url), close


def web_driver(script_timeout=120, prefix="tsunagu-web-"):
    """A headless Chromium with its own profile, logging the browser and the network: returns
    (driver, close). ``script_timeout`` in seconds, or None to keep Chromium's."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = browser_or_skip()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    profile = tempfile.mkdtemp(prefix=prefix)
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    if script_timeout is not None:
        driver.set_script_timeout(script_timeout)
    return driver, lambda: (driver.quit(), shutil.rmtree(profile, ignore_errors=True))
