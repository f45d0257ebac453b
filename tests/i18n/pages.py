"""Helpers for the i18n page tests: a mission with something on every main page, and a
reader of the text a page shows outside what people wrote."""

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from assessments.services import assessment_create, readiness_snapshot_create
from missions.models import Benchmark
from missions.services import (
    benchmark_create,
    handover_item_create,
    objective_create,
    phase_create,
)
from stakeholders.models import Stakeholder
from stakeholders.services import (
    comment_create,
    consultation_create,
    feedback_form_create,
    feedback_form_publish,
    invitation_create,
)
from tests.factories import ContactFactory, StakeholderFactory

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
SKIPPED_ELEMENTS = {"script", "style", "code", "template"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sd]|\{\w+\}|%%")


class ShownText(HTMLParser):
    """Text nodes and labelling attributes, without people's content (``dir="auto"``),
    text declared in another language (``lang`` on an element, e.g. the switcher's
    "English") or code."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.skip_depth = 0
        self.stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skipped = (
            tag in SKIPPED_ELEMENTS
            or attributes.get("dir") == "auto"
            or (tag != "html" and "lang" in attributes)
        )
        if self.skip_depth == 0 and not skipped:
            for name in SHOWN_ATTRIBUTES:
                if attributes.get(name):
                    self.texts.append(attributes[name])
            if tag == "input" and attributes.get("type") in {"submit", "button"}:
                self.texts.append(attributes.get("value") or "")
        if tag in VOID:
            return
        self.stack.append(skipped)
        self.skip_depth += skipped

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in VOID or not self.stack:
            return
        self.skip_depth -= self.stack.pop()

    def handle_data(self, data):
        if self.skip_depth == 0:
            self.texts.append(data)


def shown_texts(html: str) -> list[str]:
    parser = ShownText()
    parser.feed(html)
    return [" ".join(text.split()) for text in parser.texts if text.strip()]


def english_sources(language: str) -> tuple[set[str], list[str]]:
    """The catalogue's English strings that read differently in ``language``: whole ones
    (a text node equal to one is untranslated) and sentence fragments of three words or more
    (found inside a longer text node)."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalog = read_po(handle)
    whole: set[str] = set()
    fragments: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for source in ids:
            if source in strings or not re.search(r"[A-Za-z]{2}", source):
                continue  # the same in both languages ("Mission" in French), or no words
            pieces = [" ".join(p.split()) for p in PLACEHOLDER.split(source)]
            if len(pieces) == 1 and "<" not in source:
                whole.add(pieces[0])
            for piece in pieces:
                text = re.sub(r"<[^>]+>", " ", piece).strip(" .,:;()“”\"'")
                if len(text.split()) >= 3:
                    fragments.add(" ".join(text.split()))
    return whole, sorted(fragments, key=len, reverse=True)


def untranslated(html: str, language: str, sources=None) -> list[str]:
    whole, fragments = sources or english_sources(language)
    found = []
    for text in shown_texts(html):
        if text in whole:
            found.append(text)
            continue
        found.extend(f"{fragment!r} in {text!r}" for fragment in fragments if fragment in text)
    return found


def build_mission_pages(mission, admin, *, language: str) -> dict[str, str]:
    """One of everything the main pages show; returns page name → URL."""
    code = mission.code
    phase = phase_create(
        actor=admin,
        mission=mission,
        order=1,
        kind="handover",
        name="Kivu-Nord 2027",
        gate_threshold=40,
        requires_endorsement=True,
    )
    objective = objective_create(
        actor=admin, mission=mission, category="security", title="Bunia 2026"
    )
    benchmark = benchmark_create(
        actor=admin,
        objective=objective,
        code="bm-bunia",
        title="Bunia 2026 (1)",
        kind=Benchmark.Kind.QUANTITATIVE,
        baseline=0,
        target=10,
        unit="km",
        critical=True,
    )
    handover_item_create(actor=admin, mission=mission, function="PNC Bunia")
    as_of = timezone.localdate() - datetime.timedelta(days=3)
    submitted = assessment_create(
        actor=admin,
        mission=mission,
        as_of=as_of,
        kind="joint",
        method="field_visit",
        scores=[{"benchmark": benchmark.code, "value": 4}],
    )
    from assessments.services import assessment_submit

    assessment_submit(actor=admin, assessment=submitted, version=submitted.version)
    draft = assessment_create(
        actor=admin, mission=mission, as_of=timezone.localdate(), kind="joint", method="survey"
    )
    readiness_snapshot_create(mission=mission)
    comment_create(
        actor=admin,
        mission=mission,
        body="Kinshasa 2027",
        target_type="benchmark",
        target_id=benchmark.pk,
    )
    government = StakeholderFactory(
        mission=mission, name="Gouvernorat 2027", kind=Stakeholder.Kind.HOST_GOVERNMENT
    )
    contact = ContactFactory(stakeholder=government, name="A. B.", language=language)
    starts = timezone.now() + datetime.timedelta(days=10)
    consultation = consultation_create(
        actor=admin,
        mission=mission,
        kind="meeting",
        title="Bunia 2026 (2)",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    invitation = invitation_create(actor=admin, consultation=consultation, contact=contact)
    form = feedback_form_create(
        actor=admin,
        mission=mission,
        title="Bunia 2026 (3)",
        language=language,
        questions=[{"kind": "scale", "label": "Bunia 2026 (4)"}],
    )
    form = feedback_form_publish(actor=admin, form=form)
    return {
        "missions list": reverse("missions:list"),
        "dashboard": reverse("missions:detail", args=[code]),
        "plan": reverse("missions:plan", args=[code]),
        "benchmark": reverse("missions:benchmark", args=[code, benchmark.pk]),
        "members": reverse("missions:members", args=[code]),
        "history": reverse("missions:history", args=[code]),
        "endorsements": reverse("missions:phase-endorsements", args=[code, phase.pk]),
        "assessments list": reverse("assessments:list", args=[code]),
        "assessment grid": reverse("assessments:detail", args=[code, draft.pk]),
        "score import": reverse("assessments:import", args=[code]),
        "comments": reverse("missions:comments", args=[code]),
        "comments of an item": reverse(
            "missions:comments-item", args=[code, "benchmark", benchmark.pk]
        ),
        "consultations": reverse("missions:consultation-list", args=[code]),
        "consultation": reverse("missions:consultation-detail", args=[code, consultation.pk]),
        "new consultation": reverse("missions:consultation-new", args=[code]),
        "feedback forms": reverse("missions:feedback-list", args=[code]),
        "feedback form": reverse("missions:feedback-detail", args=[code, form.pk]),
        "feedback results": reverse("missions:feedback-results", args=[code, form.pk]),
        "profile": reverse("accounts:profile"),
        # Anonymous pages (the test signs out before these).
        "sign-in": reverse("account_login"),
        "rsvp": reverse("stakeholders:rsvp", args=[invitation.token]),
        "public form": reverse("feedback_public:form", args=[form.public_token]),
    }


ANONYMOUS_PAGES = {"sign-in", "rsvp", "public form"}
