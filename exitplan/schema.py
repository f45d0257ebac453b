"""What the OpenAPI schema says about every operation beyond its serializers.

A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) adds
what the views share through exitplan.api and exitplan.viewsets rather than declare one by
one: the RFC 9457 problem details of every error an operation can answer, the ``If-Match``
header that changes and actions require (428 without it, 412 when stale), and the
``Idempotency-Key`` header of the POSTs that create. The rules read the view class and
action of each operation, so a new endpoint is described the way it behaves; the fuzzing
test (tests/test_api_fuzz.py) checks the description against the answers.
"""

import re
from typing import Any

PROBLEM = "application/problem+json"

# Views whose changes take no If-Match: a subscription has no version (it never changes)
# and a token is revoked, not edited.
NO_VERSION_VIEWS = frozenset({"SubscriptionViewSet", "MyTokenViewSet"})
# Actions that create something and replay their first answer for an Idempotency-Key.
IDEMPOTENT_ACTIONS = frozenset({"create", "answer", "record_perception"})
# Operations that may answer 429 (DRF throttles, the sign-in lockout).
RATE_LIMITED = frozenset(
    {("post", "/api/v1/auth/token/"), ("post", "/api/v1/public/forms/{token}/")}
)

DESCRIPTIONS = {
    "400": "Bad input: `errors` maps each field to its messages (nested: `scores[2].rating`).",
    "401": "No valid credentials: send `Authorization: Token <key>`.",
    "403": "The caller's role (or a read-only token) does not allow this; `allowed_roles` "
    "names the roles that may.",
    "404": "Not found, or not visible to the caller (a mission without a role in it).",
    "409": "The object's state does not allow this (e.g. a closed mission, a submitted round).",
    "412": "If-Match is stale: someone changed the object since you read it. The current "
    "ETag is in the `ETag` header; GET the object again.",
    "413": "The request body is larger than the server accepts.",
    "415": "Unsupported Content-Type.",
    "428": "This change needs an `If-Match` header with the object's ETag.",
    "429": "Too many requests: wait for the seconds in `Retry-After`.",
}

PROBLEM_COMPONENT = {
    "type": "object",
    "description": "An error as RFC 9457 problem details (`application/problem+json`).",
    "properties": {
        "type": {"type": "string", "description": "Always `about:blank`."},
        "title": {"type": "string", "description": "The HTTP status's phrase."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong and what to do next."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "400 only: field → messages; nested fields as `scores[2].rating`.",
        },
        "allowed_roles": {
            "type": "array",
            "items": {"type": "string"},
            "description": "403 only: the roles that may do this.",
        },
    },
    "required": ["type", "title", "status", "detail"],
}

IMPORT_ROW_ERROR_COMPONENT = {
    "type": "object",
    "properties": {
        "row": {"type": "integer", "description": "From 1; 0 for the file or request as a whole."},
        "field": {"type": "string"},
        "detail": {"type": "string"},
    },
    "required": ["row", "field", "detail"],
}

IMPORT_PROBLEM_COMPONENT = {
    "type": "object",
    "description": "A score import with row errors: nothing was imported.",
    "properties": {
        **{k: v for k, v in PROBLEM_COMPONENT["properties"].items() if k != "errors"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ImportRowError"}},
    },
    "required": ["type", "title", "status", "detail", "errors"],
}

IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": (
        'The ETag of your last GET of the object, e.g. `"v3"` (`W/"v3"` matches too). 428 '
        "without it; 412 when the object changed since. `*` skips the check."
    ),
    "schema": {"type": "string", "pattern": r'^(\*|(W/)?"v[0-9]+")$'},
}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Any unique string (e.g. a UUID): a retry with the same key replays the first "
        "answer for a day (header `Idempotent-Replayed: true`) instead of creating twice."
    ),
    "schema": {"type": "string", "maxLength": 255},
}

# Fields that only some callers get (DESIGN.md: a field the caller may not see is left out
# of the answer): documented, never required.
CONDITIONAL_FIELDS = {
    "FeedbackForm": {"public_url"},
    "Invitation": {"deliveries"},
    "Contact": {"email", "user"},
    "ContactRequest": {"email", "user"},
}
# A contact's e-mail and account, which ContactSerializer drops for callers without
# manage_consultations, and so for the schema generator, which is no caller.
PERSON = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "email": {"type": "string", "format": "email", "description": "with view_members"},
    },
    "required": ["id", "name"],
    "nullable": True,
}
CONTACT_PRIVATE_FIELDS = {
    "email": {
        "type": "string",
        "format": "email",
        "maxLength": 254,
        "description": "With manage_consultations only.",
    },
    "user": {
        **PERSON,
        "description": "The contact's account, if they have one (in: its id); with "
        "manage_consultations only.",
    },
}

HEADERS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Token`."}},
    "412": {"ETag": {"schema": {"type": "string"}, "description": "The current ETag."}},
    "429": {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}},
}


def _views(generator) -> dict[tuple[str, str], tuple[type, str | None]]:
    """(method, path) → (view class, viewset action or None) for every operation."""
    found = {}
    for path, _regex, method, callback in generator.endpoints or []:
        actions = getattr(callback, "actions", None) or {}
        found[(method.lower(), _shape(path))] = (callback.cls, actions.get(method.lower()))
    return found


def _shape(path: str) -> str:
    """The path with its parameters unnamed: the generator's {pk} is the schema's {id}."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def _extra_actions(view) -> set[str]:
    get = getattr(view, "get_extra_actions", None)
    return {a.__name__ for a in get()} if get else set()


def _statuses(method: str, path: str, operation: dict, view, action) -> set[str]:
    """The error statuses this operation can answer, from how our views behave."""
    secured = operation.get("security") not in (None, [{}])
    writes = method != "get"
    params = operation.get("parameters", [])
    statuses = set()
    if writes or any(p["in"] == "query" for p in params):
        statuses.add("400")
    if secured:
        statuses |= {"401", "403"}
    paginated = any(p["name"] == "page" for p in params)
    if any(p["in"] == "path" for p in params) or paginated:
        statuses.add("404")
    # 409: a closed mission, a state that forbids the change, or a request with the same
    # Idempotency-Key still running.
    if writes and (path.startswith("/api/v1/missions/{") or "Idempotency-Key" in _names(params)):
        statuses.add("409")
    if needs_if_match(method, view, action):
        statuses |= {"412", "428"}
    if "requestBody" in operation:
        statuses |= {"413", "415"}
    if (method, path) in RATE_LIMITED:
        statuses.add("429")
    return statuses


def _names(params: list[dict]) -> set[str]:
    return {p["name"] for p in params}


def needs_if_match(method: str, view, action) -> bool:
    """Changes, deletions and actions of versioned objects need If-Match (DESIGN.md)."""
    if view is None or view.__name__ in NO_VERSION_VIEWS:
        return False
    if action in ("update", "partial_update", "destroy"):
        return True
    return method == "post" and action in _extra_actions(view)


def is_idempotent(method: str, view, action) -> bool:
    from exitplan.viewsets import IdempotentCreateMixin

    return (
        method == "post"
        and view is not None
        and issubclass(view, IdempotentCreateMixin)
        and action in IDEMPOTENT_ACTIONS
    )


def postprocess_problem_details(result: dict[str, Any], generator, request, public):
    """Document headers and problem-details errors on every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_COMPONENT
    schemas["ImportRowError"] = IMPORT_ROW_ERROR_COMPONENT
    schemas["ImportProblem"] = IMPORT_PROBLEM_COMPONENT
    for name in ("Contact", "ContactRequest"):
        if name in schemas:
            for field, schema in CONTACT_PRIVATE_FIELDS.items():
                schemas[name]["properties"].setdefault(field, schema)
    for name, fields in CONDITIONAL_FIELDS.items():
        component = schemas.get(name, {})
        if "required" in component:
            component["required"] = [f for f in component["required"] if f not in fields]
    views = _views(generator)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            view, action = views.get((method, _shape(path)), (None, None))
            params = operation.setdefault("parameters", [])
            for param in params:
                # An id routed by lookup_value_regex r"\d+" is an integer like any other id.
                if param["in"] == "path" and param["schema"].get("pattern") == r"^\d+$":
                    param["schema"] = {"type": "integer"}
            if needs_if_match(method, view, action) and "If-Match" not in _names(params):
                params.append(IF_MATCH)
            if is_idempotent(method, view, action) and "Idempotency-Key" not in _names(params):
                params.append(IDEMPOTENCY_KEY)
            if not params:
                del operation["parameters"]
            responses = operation.setdefault("responses", {})
            wanted = _statuses(method, path, operation, view, action)
            wanted |= {code for code in responses if code.startswith("4")}
            for code in sorted(wanted):
                response = responses.setdefault(code, {})
                response.setdefault("description", DESCRIPTIONS.get(code, ""))
                ref = "#/components/schemas/Problem"
                schema: dict[str, Any] = {"$ref": ref}
                if code == "400" and path.endswith("/scores/import/"):
                    schema = {
                        "anyOf": [{"$ref": "#/components/schemas/ImportProblem"}, {"$ref": ref}]
                    }
                response["content"] = {PROBLEM: {"schema": schema}}
                if code in HEADERS:
                    response.setdefault("headers", {}).update(HEADERS[code])
    return result
