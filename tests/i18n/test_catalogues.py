"""The French and Arabic catalogues: extracted, complete, compiled.

After marking new strings, one command brings everything up to date: ``make messages``
(makemessages for every language, then Babel compiles the committed .mo files). These tests
say which step was missed: a stale extraction, an entry left empty or fuzzy, a .mo older
than its .po.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# Exactly the Makefile's `messages` target.
MAKEMESSAGES_FLAGS = [
    "--no-location",
    "--no-obsolete",
    "--ignore=.venv",
    "--ignore=var",
    "--ignore=tests",
    "--ignore=bench",
    "--ignore=docs",
    "--settings=tests.settings",
]
# Plural rules as Django's own catalogues state them (French: 0 and 1 are singular).
PLURAL_FORMS = {
    "fr": (2, "(n > 1)"),
    "ar": (
        6,
        "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
        "n%100>=11 && n%100<=99 ? 4 : 5)",
    ),
}
FIX = "Run `make messages`, translate what it added or changed, then run it again."
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w+)\}")


def po_path(language: str, root: Path = LOCALE_DIR) -> Path:
    return root / language / "LC_MESSAGES" / "django.po"


def read_catalog(path: Path, language: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain="django")


def entries(catalog) -> dict:
    """(context, msgid) → (msgstr, fuzzy), the header left out."""
    return {
        (message.context, message.id): (message.string, message.fuzzy)
        for message in catalog
        if message.id
    }


def is_translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else [message.string]
    return bool(strings) and all(s.strip() for s in strings)


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def test_every_language_of_the_settings_has_a_catalogue():
    assert LANGUAGES == ["fr", "ar"]
    for language in LANGUAGES:
        assert po_path(language).is_file(), f"No catalogue for {language}. {FIX}"


def _copy_sources(target: Path) -> None:
    """What makemessages reads (the ignored folders stay behind), plus the test settings."""
    skipped = {".venv", "var", "tests", "bench", "docs", ".git", "locale"}
    for entry in BASE_DIR.iterdir():
        if entry.name in skipped or entry.name.startswith(".") or entry.suffix == ".egg-info":
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name, ignore=shutil.ignore_patterns("*.pyc"))
        else:
            shutil.copy2(entry, target / entry.name)
    (target / "tests").mkdir()
    shutil.copy2(BASE_DIR / "tests" / "settings.py", target / "tests" / "settings.py")
    shutil.copytree(LOCALE_DIR, target / "locale")


@pytest.fixture(scope="module")
def fresh_locale(tmp_path_factory) -> Path:
    """The catalogues as `make messages` would leave them, made in a copy of the sources."""
    if shutil.which("msgmerge") is None or shutil.which("xgettext") is None:
        pytest.skip("gettext's xgettext and msgmerge are needed (apt-get install gettext)")
    work = tmp_path_factory.mktemp("makemessages")
    _copy_sources(work)
    languages = [arg for language in LANGUAGES for arg in ("-l", language)]
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", *languages, *MAKEMESSAGES_FLAGS],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return work / "locale"


@pytest.mark.parametrize("language", LANGUAGES)
def test_makemessages_would_change_nothing(fresh_locale, language):
    """A string marked but not extracted (or an entry of removed code) fails here."""
    committed = entries(read_catalog(po_path(language)))
    fresh = entries(read_catalog(po_path(language, fresh_locale)))
    added = sorted(str(key[1]) for key in fresh.keys() - committed.keys())
    removed = sorted(str(key[1]) for key in committed.keys() - fresh.keys())
    changed = sorted(
        str(key[1]) for key in fresh.keys() & committed.keys() if fresh[key] != committed[key]
    )
    assert not (added or removed or changed), (
        f"locale/{language} is stale. {FIX}\n"
        f"new ({len(added)}): {added[:20]}\nno longer used ({len(removed)}): {removed[:20]}\n"
        f"changed by msgmerge ({len(changed)}): {changed[:20]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    catalog = read_catalog(po_path(language))
    assert not catalog.fuzzy, f"The header of locale/{language} is marked fuzzy: remove the flag."
    empty = [str(m.id) for m in catalog if m.id and not is_translated(m)]
    fuzzy = [str(m.id) for m in catalog if m.id and m.fuzzy]
    total = sum(1 for m in catalog if m.id)
    assert not empty and not fuzzy, (
        f"locale/{language}: {total - len(empty)}/{total} translated; "
        f"{len(empty)} empty, e.g. {empty[:10]}; {len(fuzzy)} fuzzy, e.g. {fuzzy[:10]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language):
    """A placeholder the code does not pass would raise at runtime; a lost one drops a name."""
    wrong = []
    for message in read_catalog(po_path(language)):
        if not message.id or not is_translated(message):
            continue
        if isinstance(message.id, tuple | list):
            allowed = set().union(*(placeholders(i) for i in message.id))
            used = [placeholders(s) for s in message.string]
            if any(not u <= allowed for u in used) or set().union(*used) != allowed:
                wrong.append(message.id[0])
        elif placeholders(message.string) != placeholders(message.id):
            wrong.append(message.id)
    assert not wrong, f"locale/{language}: placeholders differ in {wrong[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_plural_rule_is_the_language_s_own(language):
    catalog = read_catalog(po_path(language), language)
    number, rule = PLURAL_FORMS[language]
    assert catalog.num_plurals == number
    assert catalog.plural_expr.replace(" ", "").strip("()") == rule.replace(" ", "").strip("()")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_a_fresh_compile_of_the_po(tmp_path, language):
    """Compiled with Babel exactly as `make messages` does; no gettext needed at install."""
    mo = po_path(language).with_suffix(".mo")
    assert mo.is_file(), f"locale/{language} has no django.mo. {FIX}"
    pybabel = Path(sys.executable).parent / "pybabel"
    fresh = tmp_path / "django.mo"
    subprocess.run(
        [
            str(pybabel),
            "compile",
            "--domain=django",
            f"--locale={language}",
            f"--input-file={po_path(language)}",
            f"--output-file={fresh}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert fresh.is_file(), "pybabel could not compile the catalogue"
    assert mo.read_bytes() == fresh.read_bytes(), f"locale/{language}/.../django.mo is stale. {FIX}"
    with mo.open("rb") as handle:
        compiled = read_mo(handle)
    number, _rule = PLURAL_FORMS[language]
    assert compiled.num_plurals == number
