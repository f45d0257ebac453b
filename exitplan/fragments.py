"""Rendered rows of the long pages (the plan, the assessment grid), kept in the cache.

A large plan's or grid's page spent most of its time rendering the same rows again and
again. Each row's HTML is stored under a key made of everything it shows: the values it
reads (given by the caller), the text of its templates, and the language. A change to any
of them makes another key, so there is nothing to invalidate, and an old entry only waits
for its timeout. One ``get_many`` a page reads them all; the rows missing are rendered and
stored with one ``set_many``. A page's body kept whole, its rows as its children, is one
read when nothing in it changed.

The cache is its own (``CACHES["fragments"]``), so rows never crowd out the default
cache's entries. A row holding a form carries the CSRF token: it is stored with a
placeholder, and each response gets the request's own token in its place.
"""

import functools
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.cache import caches
from django.db.models import Model
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

# A day: rows of a page nobody opens leave the cache.
TIMEOUT = 24 * 60 * 60
_CSRF_SLOT = "csrf-token-slot-4c1e0b7a"


@dataclass
class Fragment:
    """One row to show: its templates (rendered one after the other), the values it shows,
    and its context, built only when the cache misses.

    A fragment may hold others (``children``, e.g. a page's body and its rows): their keys
    are part of its key, and they are read or rendered only when it is missing itself.
    """

    templates: Sequence[str]
    key: tuple
    context: Callable[[], dict[str, Any]]
    # Templates the row includes: their text is part of the key too.
    includes: Sequence[str] = ()
    children: Sequence["Fragment"] = ()
    html: SafeString = field(default=SafeString(""), init=False)
    cache_key: str = field(default="", init=False)


def fields_of(instance: Model | None) -> tuple:
    """A row's stored values, all of them (the part of a key that says which row, as it is
    now): whatever a template shows of the instance is among them."""
    if instance is None:
        return ()
    return tuple(getattr(instance, f.attname) for f in instance._meta.concrete_fields)


def render_fragments(request, fragments: Sequence[Fragment], *, cached: bool = True) -> None:
    """Fill in each fragment's ``html``: from the cache, else rendered (and then stored).

    ``cached=False`` renders them all and stores none (rows showing errors or what someone
    typed, which no other view shows).
    """
    _render(fragments, caches["fragments"] if cached else None, get_language() or "", {})
    token = None
    for fragment in fragments:
        if _CSRF_SLOT in fragment.html:
            token = token or get_token(request)
            fragment.html = mark_safe(fragment.html.replace(_CSRF_SLOT, token))


def _render(fragments: Sequence[Fragment], cache, language: str, versions: dict) -> None:
    """One ``get_many`` for these fragments; the children of those missing, in one more."""
    keys = [_key(fragment, language, versions) for fragment in fragments]
    found = cache.get_many(keys) if cache is not None and keys else {}
    children = [
        c for k, f in zip(keys, fragments, strict=True) if k not in found for c in f.children
    ]
    if children:
        _render(children, cache, language, versions)
    missing = {}
    for key, fragment in zip(keys, fragments, strict=True):
        html = found.get(key)
        if html is None:
            context = fragment.context() | {"csrf_token": _CSRF_SLOT}
            html = "".join(get_template(name).render(context) for name in fragment.templates)
            missing[key] = html
        fragment.html = mark_safe(html)  # rendered, so escaped, by the templates
    if cache is not None and missing:
        cache.set_many(missing, TIMEOUT)


def _key(fragment: Fragment, language: str, versions: dict[tuple[str, ...], str]) -> str:
    """The fragment's key in the cache: a digest of what it shows, its children's included
    (their values, not their own keys: those are found only when they are read)."""
    if not fragment.cache_key:
        digest = hashlib.blake2b(repr(_shown(fragment, versions)).encode(), digest_size=16)
        fragment.cache_key = f"fragment:{release()}:{language}:{digest.hexdigest()}"
    return fragment.cache_key


def _shown(fragment: Fragment, versions: dict[tuple[str, ...], str]) -> tuple:
    names = (*fragment.templates, *fragment.includes)
    if names not in versions:
        versions[names] = _sources_digest(names)
    children = tuple(_shown(child, versions) for child in fragment.children)
    return (versions[names], fragment.key, children)


# Template texts' digests, found once per process: templates change only with a deploy,
# except while developing (DEBUG), where they are read again each time. Finding a partial
# (``page.html#part``) costs a millisecond.
_digests: dict[tuple[str, ...], str] = {}


def _sources_digest(names: tuple[str, ...]) -> str:
    if names in _digests:
        return _digests[names]
    digest = hashlib.blake2b(digest_size=8)
    for name in names:
        digest.update(get_template(name).template.source.encode())
    if not settings.DEBUG:
        _digests[names] = digest.hexdigest()
    return digest.hexdigest()


# What a deploy can change besides the values a key holds: the code that builds a row's
# context (labels, formats, URLs), the templates it includes in turn, the translation
# catalogues. Their files' sizes and times, read once per process (a deploy starts new
# processes; runserver restarts on a change), and Django's version.
RELEASE_SUFFIXES = (".py", ".html", ".mo")
RELEASE_SKIPPED = {"var", "tests", "bench", "docs", "static", "node_modules"}  # and dot folders


@functools.cache
def release() -> str:
    """A digest of the project's code, templates and catalogues as this process found them."""
    digest = hashlib.blake2b(django.__version__.encode(), digest_size=8)
    base = Path(settings.BASE_DIR)
    for folder, folders, files in os.walk(base):
        folders[:] = sorted(
            f for f in folders if f not in RELEASE_SKIPPED and not f.startswith(".")
        )
        for name in sorted(files):
            if name.endswith(RELEASE_SUFFIXES):
                path = Path(folder, name)
                stat = path.stat()
                digest.update(
                    f"{path.relative_to(base)}:{stat.st_size}:{stat.st_mtime_ns}".encode()
                )
    return digest.hexdigest()
