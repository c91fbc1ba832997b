"""Every staff page in Chromium at phone width (390 px): no sideways page scroll, no serious accessibility faults.

axe-core (the npm package, vendored in tests/vendor with its licence) is injected into each page.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import log_in
from tests.factories import STAFF_PASSWORD, make_contact, make_staff
from tests.staff_pages import pages_of_single_things, staff_pages

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent.parent / "vendor" / "axe.min.js").read_text()
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def some_of_everything(officer) -> list[str]:
    """Rows on every list and the pages of single things, so wide tables are tested with content."""
    for number in range(12):
        make_contact(name=f"Shanti Devi Kushwaha {number}", district="Sitapur", role="mason")
    long_name = "Twin pit week in every gram panchayat of the district"
    return pages_of_single_things(officer, "Ramkumari Prajapati Vishwakarma", long_name)


def overflow(page) -> int:
    """How many pixels the page is wider than the screen."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    page.evaluate(AXE)
    found = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))"
    )
    return list(found)


def check(page, url: str, problems: list[str]) -> None:
    page.goto(url)
    if overflow(page) > 0:
        problems.append(f"{url}: {overflow(page)} px wider than a 390 px screen")
    problems.extend(f"{url}: {line}" for line in serious_violations(page))


def test_every_staff_page_fits_a_phone_and_passes_axe(phone_page, live_server, app):
    problems: list[str] = []
    check(phone_page, live_server.url + "/login", problems)
    admin = make_staff("admin", districts=["Sitapur"])
    things = some_of_everything(make_staff("officer", districts=["Sitapur"]))
    log_in(phone_page, live_server, admin.username, STAFF_PASSWORD)
    pages = staff_pages(app) + things
    assert len(pages) > 20
    for path in pages:
        check(phone_page, live_server.url + path, problems)
    assert problems == [], "\n".join(problems)


def test_the_menu_folds_away_on_a_phone(phone_page, live_server):
    officer = make_staff("officer", districts=["Sitapur"])
    log_in(phone_page, live_server, officer.username, STAFF_PASSWORD)
    # expect() waits for the stylesheet: is_visible() looked once, and on a loaded machine before it applied
    expect(phone_page.locator("header nav")).to_be_hidden()
    phone_page.click("header summary")
    expect(phone_page.locator("header nav")).to_be_visible()
