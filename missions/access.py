"""Who may do what: the one place that decides access, for pages, the API, the admin and exports.

DESIGN.md's "Roles and permissions" table lives here once, as ROLE_PERMISSIONS. Grants are
guardian object permissions on the Mission, written by the membership services from this
table; checks read them once per request and everything below a mission is then filtered
by that mission. A person with no role in a mission gets 404, exactly as for a mission that
does not exist; a role without the permission an action needs gets 403 naming the roles
that may.
"""

import functools
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import router
from django.db.models import Aggregate, CharField, FilteredRelation, OuterRef, Q, Subquery
from django.http import Http404
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from exitplan.db import Compiled
from exitplan.errors import Conflict

from .models import Membership, Mission, MissionUserObjectPermission, Role

VIEW = "view_mission"

# The policy: every permission of the table, in the table's order, with the roles holding it.
POLICY: dict[str, tuple[str, ...]] = {
    "view_mission": (Role.ADMIN, Role.STAFF, Role.LIAISON, Role.PARTNER, Role.OBSERVER),
    "change_mission": (Role.ADMIN,),
    "change_plan": (Role.ADMIN, Role.STAFF),
    "log_assessment": (Role.ADMIN, Role.STAFF),
    "approve_assessment": (Role.ADMIN, Role.STAFF),
    "manage_consultations": (Role.ADMIN, Role.STAFF),
    "comment": (Role.ADMIN, Role.STAFF, Role.LIAISON, Role.PARTNER),
    "answer_comments": (Role.ADMIN, Role.STAFF),
    "endorse_phase": (Role.LIAISON,),
    "submit_feedback": (Role.PARTNER,),
    "manage_feedback": (Role.ADMIN, Role.STAFF),
    "view_feedback_results": (Role.ADMIN, Role.STAFF, Role.LIAISON, Role.PARTNER, Role.OBSERVER),
    "view_history": (Role.ADMIN, Role.STAFF, Role.OBSERVER),
    "view_members": (Role.ADMIN, Role.STAFF),
    "manage_members": (Role.ADMIN,),
}
PERMISSIONS: tuple[str, ...] = tuple(POLICY)
# Rules that site superusers do not bypass (four-eyes is checked on the assessment itself).
NOT_BYPASSED_BY_SUPERUSERS = frozenset({"endorse_phase"})
# Reading, even through an action that stores nothing, is allowed on a closed mission.
READ_PERMISSIONS = frozenset(
    {"view_mission", "view_feedback_results", "view_history", "view_members"}
)


def role_permissions(role: str) -> frozenset[str]:
    """The permissions a role grants in its mission."""
    return frozenset(perm for perm, roles in POLICY.items() if role in roles)


def allowed_roles(perm: str) -> list[str]:
    return [str(role) for role in POLICY[perm]]


class AccessDenied(PermissionDenied):
    """403 for someone who may see the mission but not do this; names the roles that may."""

    def __init__(self, perm: str, message=None):
        self.perm = perm
        self.allowed_roles = allowed_roles(perm)
        if message is None:
            labels = ", ".join(str(Role(role).label) for role in self.allowed_roles)
            message = format_lazy(
                _("Your role in this mission does not allow this. Roles that may: {roles}."),
                roles=labels,
            )
        self.message = message
        super().__init__(message)


@dataclass
class MissionAccess:
    """What one user may do in one mission, loaded once per request."""

    user: object
    mission: Mission
    perms: frozenset[str]
    membership: Membership | None = field(default=None)

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    def has(self, perm: str) -> bool:
        if perm not in POLICY:
            raise ValueError(f"Unknown permission {perm!r}: add it to missions.access.POLICY.")
        if perm == "endorse_phase":
            return self.can_endorse
        return perm in self.perms

    def require(self, perm: str) -> None:
        if not self.has(perm):
            if perm == "endorse_phase" and "endorse_phase" in self.perms:
                raise AccessDenied(
                    perm,
                    _("Only a liaison who speaks for a host-government stakeholder may endorse."),
                )
            raise AccessDenied(perm)

    def require_writable(self) -> None:
        if self.mission.is_closed:
            raise Conflict(_("This mission is closed: its plan and records are read-only."))

    @cached_property
    def can_endorse(self) -> bool:
        """Only a liaison whose membership names a host-government stakeholder; no bypass."""
        from stakeholders.models import Stakeholder

        m = self.membership
        return bool(
            m
            and "endorse_phase" in role_permissions(m.role)
            and m.stakeholder_id
            and m.stakeholder.kind == Stakeholder.Kind.HOST_GOVERNMENT
        )

    def can_approve(self, assessment) -> bool:
        """Four-eyes: never one's own round, site superusers included."""
        return self.has("approve_assessment") and assessment.author_id != self.user.pk


class _Codenames(Aggregate):
    """Permission codenames in one comma-separated string (codenames hold no commas).

    ``group_concat`` on SQLite, ``string_agg`` on PostgreSQL: it lets the grants ride along
    with the mission row instead of costing a query of their own.
    """

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s, ',')",
            **extra,
        )


# The access check runs on every request below a mission; building and compiling its query
# with the ORM costs ~1 ms of CPU, ten times running it. So it is compiled once per
# database connection (exitplan.db.Compiled), with stand-ins where the person and the
# mission go.
_USER_STANDIN = -7_340_021
_KEY_STANDINS = {"code": "<mission code>", "pk": -7_340_022}
_MISSION_COLUMNS = tuple(f.attname for f in Mission._meta.concrete_fields)
_MEMBERSHIP_COLUMNS = tuple(f.attname for f in Membership._meta.concrete_fields)
_STAKEHOLDER_COLUMNS = tuple(
    f.attname for f in Membership.stakeholder.field.related_model._meta.concrete_fields
)


def _with_access_of(user_pk, missions, *, superuser: bool):
    """``missions`` with a person's membership (and stakeholder) and grants, as columns.

    One query whatever the mission's size: the membership is a filtered left join
    (unique per person and mission), the guardian grants one aggregated subquery. Site
    superusers skip the grants, which they do not need.
    """
    missions = missions.annotate(
        my_membership=FilteredRelation("memberships", condition=Q(memberships__user=user_pk))
    )
    columns = [
        *_MISSION_COLUMNS,
        *(f"my_membership__{name}" for name in _MEMBERSHIP_COLUMNS),
        *(f"my_membership__stakeholder__{name}" for name in _STAKEHOLDER_COLUMNS),
    ]
    if not superuser:
        grants = (
            MissionUserObjectPermission.objects.filter(user=user_pk, content_object=OuterRef("pk"))
            .values("content_object")
            .annotate(codes=_Codenames("permission__codename"))
            .values("codes")
        )
        missions = missions.annotate(my_grants=Subquery(grants))
        columns.append("my_grants")
    return missions.values_list(*columns).order_by()


# The four shapes: by code (requests) or by id, for a site superuser (no grants) or not.
_QUERIES = {
    (by, superuser): Compiled(
        lambda user, key, by=by, superuser=superuser: _with_access_of(
            user, Mission.objects.filter(**{by: key}), superuser=superuser
        ),
        user=_USER_STANDIN,
        key=_KEY_STANDINS[by],
    )
    for by in _KEY_STANDINS
    for superuser in (False, True)
}


def _load(user, by: str, key, mission: Mission | None = None) -> MissionAccess | None:
    """The access of ``user`` to the mission whose ``by`` is ``key``, or None (1 query)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return None
    alias = router.db_for_read(Mission)
    rows = _QUERIES[(by, user.is_superuser)].rows(alias, user=user.pk, key=key)
    if not rows:
        return None
    row = rows[0]
    ends = [len(_MISSION_COLUMNS)]
    ends.append(ends[-1] + len(_MEMBERSHIP_COLUMNS))
    ends.append(ends[-1] + len(_STAKEHOLDER_COLUMNS))
    if mission is None:
        mission = Mission.from_db(alias, _MISSION_COLUMNS, row[: ends[0]])
    membership = None
    if row[ends[0]] is not None:  # the left join found a membership
        membership = Membership.from_db(alias, _MEMBERSHIP_COLUMNS, row[ends[0] : ends[1]])
        membership.mission = mission
        if row[ends[1]] is not None:
            stakeholder_model = Membership.stakeholder.field.related_model
            membership.stakeholder = stakeholder_model.from_db(
                alias, _STAKEHOLDER_COLUMNS, row[ends[1] : ends[2]]
            )
    if user.is_superuser:
        perms = frozenset(PERMISSIONS) - NOT_BYPASSED_BY_SUPERUSERS
    else:
        perms = frozenset(row[ends[2]].split(",")) if row[ends[2]] else frozenset()
    if VIEW not in perms:
        return None
    return MissionAccess(user=user, mission=mission, perms=perms, membership=membership)


def access_for(user, mission: Mission) -> MissionAccess | None:
    """The user's access to a mission, or None when they may not know it exists (1 query)."""
    return _load(user, "pk", mission.pk, mission)


def access_by_code(user, code: str) -> MissionAccess | None:
    """The mission ``code`` names with the user's access to it, or None (1 query)."""
    return _load(user, "code", code)


def mission_access(request, code: str, perm: str = VIEW, *, write: bool = False) -> MissionAccess:
    """Load a mission by code for this request: 404 for strangers, 403 without ``perm``.

    Cached on the request, so a page or endpoint checks its mission once however many
    objects below it it shows. ``write`` adds the closed-mission check (409).
    """
    cache = request.__dict__.setdefault("_mission_access", {})
    if code not in cache:
        access = access_by_code(request.user, code)
        if access is None:
            raise Http404(_("No such mission."))
        cache[code] = access
    access = cache[code]
    access.require(perm)
    if write:
        access.require_writable()
    return access


def mission_required(perm: str = VIEW, *, write: bool = False):
    """Decorator for function views taking ``code``: signs in, checks, passes ``access``."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(request, code, *args, **kwargs):
            access = mission_access(request, code, perm, write=write and request.method == "POST")
            return view(request, access, *args, **kwargs)

        return wrapped

    return decorator


class MissionPermission(BasePermission):
    """DRF permission around this module; views say which permission each action needs.

    A view sets ``mission_permissions = {"GET": "view_mission", "POST": "change_plan", ...}``
    (method or action name → permission; default: view_mission to read, change_plan to
    write) and, for writes that store nothing, ``stores_nothing = True``. Read-only
    tokens get 403 on any write; strangers 404; a closed mission 409 on writes.
    """

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        writing = request.method not in SAFE_METHODS and not getattr(view, "stores_nothing", False)
        token = request.auth
        if writing and getattr(token, "read_only", False):
            raise PermissionDenied(_("This API token is read-only."))
        code = view.kwargs.get("mission_code")
        if code is None:
            return True
        perm = self.required_permission(request, view)
        mission_access(request, code, perm, write=writing)
        return True

    @staticmethod
    def required_permission(request, view) -> str:
        table = getattr(view, "mission_permissions", {})
        action = getattr(view, "action", None)
        if action in table:
            return table[action]
        if request.method in table:
            return table[request.method]
        return VIEW if request.method in SAFE_METHODS else "change_plan"
