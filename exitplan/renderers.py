"""JSON encoded once and sent many times: stored documents pass through the renderer.

A readiness snapshot never changes, so its figures are encoded when it is stored
(``encode_json``, byte for byte what the API's renderer writes) and the API sends that text
as it is: a page of snapshots is joined, never parsed and encoded again (a page of 50 on a
300-benchmark mission is ~2.7 MiB of JSON).
"""

import json
from collections.abc import Iterable

from rest_framework import renderers


def encode_json(data) -> bytes:
    """``data`` as the API writes it (DRF's JSONRenderer with the site's settings)."""
    return renderers.JSONRenderer().render(data)


class EncodedJSON:
    """A JSON document already encoded as ``encode_json`` writes it; rendered as is."""

    __slots__ = ("content",)

    def __init__(self, content: bytes):
        self.content = content

    @classmethod
    def with_list(cls, envelope: dict, key: str, items: Iterable[bytes | str]) -> "EncodedJSON":
        """``envelope`` with ``key`` (last) set to the list of the encoded ``items``, unparsed.

        E.g. a page: ``{"next": …, "previous": …}`` and its ``results``.
        """
        head = encode_json({**{k: v for k, v in envelope.items() if k != key}, key: []})
        assert head.endswith(b"[]}")
        parts = [item.encode() if isinstance(item, str) else item for item in items]
        if not parts:
            return cls(head)
        # One join of the whole page: each copy of megabytes costs as much as the rest.
        parts[0] = head[:-2] + parts[0]
        parts[-1] += b"]}"
        return cls(b",".join(parts))


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer that sends an ``EncodedJSON`` without encoding it again.

    Content negotiation is DRF's own (same media type); a client asking for an indented
    answer (``Accept: application/json; indent=2``) gets it, through the slow path.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, EncodedJSON):
            if self.get_indent(accepted_media_type, renderer_context or {}) is None:
                return data.content
            data = json.loads(data.content)
        return super().render(data, accepted_media_type, renderer_context)
