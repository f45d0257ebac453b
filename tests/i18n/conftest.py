# The browser tests here use Chromium exactly as tests/browser/ does.
from tests.browser.conftest import browser, new_page  # noqa: F401
