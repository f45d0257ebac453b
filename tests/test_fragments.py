"""exitplan.fragments' own rules: a key changes with what a deploy can change (code,
templates, catalogues), and rows are read from the cache in one go."""

import os

import pytest
from django.core.cache import caches

from exitplan import fragments


@pytest.fixture
def release_of(settings, tmp_path):
    """release() over a small project in tmp_path, found afresh on each call."""
    settings.BASE_DIR = tmp_path
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text("x = 1\n")
    (tmp_path / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.mo").write_bytes(b"one")
    (tmp_path / "var").mkdir()

    def release() -> str:
        fragments.release.cache_clear()
        return fragments.release()

    yield release
    fragments.release.cache_clear()


def test_a_new_catalogue_or_code_makes_new_keys(release_of, tmp_path):
    first = release_of()
    assert release_of() == first
    catalogue = tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
    catalogue.write_bytes(b"two, longer")
    second = release_of()
    assert second != first
    views = tmp_path / "app" / "views.py"
    stat = views.stat()
    os.utime(views, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert release_of() not in (first, second)


def test_what_a_deploy_does_not_ship_leaves_keys_alone(release_of, tmp_path):
    first = release_of()
    (tmp_path / "var" / "cache.py").write_text("written at run time\n")
    (tmp_path / "app" / "notes.txt").write_text("not code\n")
    assert release_of() == first


def test_the_release_is_part_of_every_key(rf, settings):
    fragment = fragments.Fragment(
        ["missions/_dashboard_blockers.html"], key=("k",), context=lambda: {}
    )
    fragments.release.cache_clear()
    key = fragments._key(fragment, "fr", {})
    assert key.startswith(f"fragment:{fragments.release()}:fr:")


def test_rows_are_rendered_once_then_read(rf, db):
    caches["fragments"].clear()
    built = []

    def context():
        built.append(1)
        return {"d": None}

    def page():
        row = fragments.Fragment(["missions/_plan_objective_tail.html"], key=(1,), context=context)
        fragments.render_fragments(rf.get("/"), [row])
        return row.html

    first = page()
    assert page() == first
    assert built == [1]  # the second page read the row from the cache
