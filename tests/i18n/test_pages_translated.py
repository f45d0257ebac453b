"""The main pages in French and Arabic show no English string of the catalogue.

What people wrote sits in ``dir="auto"`` elements and is left out, as is text marked with
another ``lang`` (the switcher's language names); everything else a page shows must come
out of the catalogue translated. A failure names the page and the English text: mark it for
translation, or run `make messages` and translate the new entry.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .pages import ANONYMOUS_PAGES, build_mission_pages, english_sources, untranslated

LANGUAGES = ["fr", "ar"]


@pytest.fixture(params=LANGUAGES)
def language(request):
    return request.param


@pytest.fixture
def world(mission, admin, language):
    admin.language = language
    admin.save(update_fields=["language"])
    return build_mission_pages(mission, admin, language=language)


def test_it_reads_the_shown_text_without_people_s_content():
    from .pages import shown_texts

    html = (
        '<html lang="fr"><p>Plan <b>du</b> jour</p><p dir="auto">Dashboard <i>x</i></p>'
        '<input type="submit" value="Save"><option lang="en">English</option>'
        '<a aria-label="Your account">x</a><br><span>after</span></html>'
    )
    assert shown_texts(html) == ["Plan", "du", "jour", "Save", "Your account", "x", "after"]


def test_it_finds_an_english_source_string(language):
    sources = english_sources(language)
    html = "<p>Dashboard</p><p>12 · Top blockers</p><p dir='auto'>Sign out</p>"
    found = untranslated(html, language, sources)
    assert "Dashboard" in found
    assert not any("Sign out" in text for text in found)


def test_main_pages_show_no_english_when_signed_in(client, admin, world, language):
    client.force_login(admin)
    sources = english_sources(language)
    problems = {}
    for name, url in world.items():
        if name in ANONYMOUS_PAGES:
            continue
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        assert f'<html lang="{language}"' in html, name
        assert (f'dir="{"rtl" if language == "ar" else "ltr"}"') in html, name
        found = untranslated(html, language, sources)
        if found:
            problems[name] = found
    assert not problems, f"English on {language} pages: {problems}"


def test_public_pages_show_no_english(client, world, language):
    """Sign-in and RSVP follow the visitor's language cookie; the public form its own."""
    client.cookies["django_language"] = language
    sources = english_sources(language)
    problems = {}
    for name in ANONYMOUS_PAGES:
        response = client.get(world[name])
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        assert f'<html lang="{language}"' in html, name
        found = untranslated(html, language, sources)
        if found:
            problems[name] = found
    assert not problems, f"English on {language} public pages: {problems}"


def test_the_language_costs_no_query(client, admin, mission):
    """User.language is read from the row already loaded for the session: the same count."""
    url = f"/missions/{mission.code}/"
    client.force_login(admin)
    counts = []
    for language in ("en", "ar", "fr"):
        admin.language = language
        admin.save(update_fields=["language"])
        # caches warmed (content types, templates, the page's parts kept rendered in each
        # language) before counting
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.headers["Content-Language"] == language
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts
