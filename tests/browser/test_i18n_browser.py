"""French and Arabic in Chromium: a French-speaking liaison and an Arabic-speaking partner
walk the main pages; the switcher changes the language without JavaScript help."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from missions.services import membership_create
from stakeholders.models import Stakeholder
from tests.browser.conftest import PHONE, sign_in
from tests.factories import StakeholderFactory, UserFactory
from tests.i18n.pages import build_mission_pages

pytestmark = pytest.mark.browser

WALK = [
    "missions list",
    "dashboard",
    "plan",
    "benchmark",
    "comments",
    "assessments list",
    "consultations",
    "feedback forms",
    "profile",
]


def t(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


@pytest.fixture
def world(mission, admin):
    return build_mission_pages(mission, admin, language="fr")


def member(mission, site_admin, *, role, language, email, stakeholder):
    user = UserFactory(email=email, name=email.split("@")[0], language=language)
    membership_create(
        actor=site_admin, mission=mission, user=user, role=role, stakeholder=stakeholder
    )
    return user


def walk(page, urls, language):
    for name in WALK:
        page.goto(urls[name])
        html = page.locator("html")
        assert html.get_attribute("lang") == language, name
        assert html.get_attribute("dir") == ("rtl" if language == "ar" else "ltr"), name
        assert page.locator(".site-header").get_by_text(t(language, "Sign out")).is_visible()


def test_a_french_speaking_liaison_walks_the_plan_and_endorses(
    new_page, mission, site_admin, world
):
    government = StakeholderFactory(
        mission=mission, name="Ministère de l'Intérieur", kind=Stakeholder.Kind.HOST_GOVERNMENT
    )
    liaison = member(
        mission,
        site_admin,
        role="liaison",
        language="fr",
        email="aissata@example.org",
        stakeholder=government,
    )
    page = new_page()
    sign_in(page, liaison.email)

    walk(page, world, "fr")
    page.goto(world["dashboard"])
    nav = page.get_by_role("navigation", name=t("fr", "Mission pages"))
    assert nav.get_by_role("link", name="Tableau de bord").is_visible()
    assert page.get_by_role("heading", name=t("fr", "Top blockers")).is_visible()
    page.goto(world["endorsements"])
    page.locator("summary", has_text="Donner son aval à ce seuil de passage").click()
    page.get_by_role("button", name=t("fr", "Endorse this gate")).click()
    page.get_by_text(t("fr", "Your organisation's endorsement was recorded.")).wait_for()
    assert page.locator("html").get_attribute("lang") == "fr"

    phone = new_page(PHONE)  # French labels are longer: the header still fits a phone
    sign_in(phone, liaison.email)
    phone.goto(world["dashboard"])
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_arabic_speaking_partner_reads_right_to_left(new_page, mission, site_admin, world):
    ngo = StakeholderFactory(mission=mission, name="جمعية", kind=Stakeholder.Kind.NGO)
    partner = member(
        mission,
        site_admin,
        role="partner",
        language="ar",
        email="salma@example.org",
        stakeholder=ngo,
    )
    page = new_page()
    sign_in(page, partner.email)

    walk(page, world, "ar")
    page.goto(world["dashboard"])
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    links = page.locator(".subnav li a")
    first, last = links.first.bounding_box(), links.last.bounding_box()
    # Mirrored: the first item of the navigation sits at the right.
    assert first["x"] > last["x"] or first["y"] < last["y"]
    assert links.first.inner_text() == t("ar", "Dashboard")
    header = page.locator(".site-header")
    name, switcher = (
        header.locator(".site-name").bounding_box(),
        header.locator(".language-switcher").bounding_box(),
    )
    assert name["x"] > switcher["x"]  # the site's name starts the header: at the right

    page.goto(world["feedback form"])
    arrow = page.locator(".back-arrow").first
    assert arrow.evaluate("a => getComputedStyle(a).transform") == "matrix(-1, 0, 0, 1, 0, 0)"

    phone = new_page(PHONE)
    sign_in(phone, partner.email)
    phone.goto(world["plan"])
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the Arabic plan scrolls sideways on a phone"


def test_the_switcher_changes_the_language_and_keeps_the_page(new_page, db):
    page = new_page()
    page.goto("/accounts/login/?next=/missions/")
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_url("**/accounts/login/?next=/missions/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name=t("fr", "Sign in")).is_visible()

    page.get_by_label(t("fr", "Language")).select_option("ar")
    page.get_by_role("button", name=t("fr", "Change language")).click()
    page.wait_for_function("document.documentElement.lang === 'ar'")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.reload()  # remembered by the cookie
    assert page.locator("html").get_attribute("lang") == "ar"
