"""Field selection: `fields=slug,name,summary` on lists and items answers only those fields.

A selected representation is its own media type, `application/vnd.immunotherapy.fields+json`
(JSON, with a schema of its own in the spec, `TherapyFields`, ...): a client or a validator never
checks a part of an item against the schema of the whole. `slug` and `href` are always in it, so
that each entry can be keyed and linked whatever was asked. Its ETag is the full
representation's with a suffix naming the selection; If-Match takes either (see conditional.py).
"""

import copy
import functools
import hashlib
from collections.abc import Sequence

import marshmallow as ma
from flask import Response, current_app

from service.web.parameters import CommaList

FIELDS_MEDIA_TYPE = "application/vnd.immunotherapy.fields+json"
# In every selection, asked for or not.
ALWAYS_SELECTED = ("slug", "href")
# A selection's ETag: the whole representation's, this, and 8 hex digits naming the selection.
SELECTION_SUFFIX = "-f"
SELECTION_DESCRIPTION = (
    "Only these fields, comma-separated (`slug` and `href` are always included); the answer is then "
    f"`{FIELDS_MEDIA_TYPE}`. Unknown names are a 422 naming them."
)


def field_names(read_schema: type[ma.Schema]) -> tuple[str, ...]:
    """The fields a read schema writes, in its order: what `fields` may name."""
    return tuple(name for name, field in read_schema().dump_fields.items() if not field.load_only)


class FieldSelection(CommaList):
    """`fields`: names of the read schema's fields; loaded as those names plus `slug` and `href`,
    in the schema's order (so that a selection has one spelling, for its ETag)."""

    def __init__(self, read_schema: type[ma.Schema], **kwargs):
        self.names = field_names(read_schema)
        item = ma.fields.String(metadata={"enum": list(self.names)})
        super().__init__(item, max_items=len(self.names), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> tuple[str, ...]:
        asked = super()._deserialize(value, attr, data, **kwargs)
        if unknown := [name for name in asked if name not in self.names]:
            raise ma.ValidationError(
                f"Unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
                f"Fields: {', '.join(self.names)}."
            )
        chosen = {*asked, *ALWAYS_SELECTED}
        return tuple(name for name in self.names if name in chosen)


def selection_schema(read_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The selected representation's schema: the read schema's fields, none required but `slug`
    and `href` (named `<Kind>Fields` in the spec)."""
    selected = {}
    for name, field in read_schema().dump_fields.items():
        field = copy.copy(field)
        field.required = name in ALWAYS_SELECTED
        selected[name] = field
    name = read_schema.__name__.removesuffix("Schema") + "FieldsSchema"
    return ma.Schema.from_dict(selected, name=name)


def selection_etag(etag: str, selection: Sequence[str] | None) -> str:
    """The ETag of a selection of the representation whose ETag is `etag`."""
    if not selection:
        return etag
    return f"{etag}{SELECTION_SUFFIX}{hashlib.sha256(','.join(selection).encode()).hexdigest()[:8]}"


def full_etag(etag: str) -> str:
    """The ETag of the full representation a selection's ETag was made from (or `etag` itself)."""
    head, separator, tail = etag.rpartition(SELECTION_SUFFIX)
    if separator and len(tail) == 8 and all(c in "0123456789abcdef" for c in tail):
        return head
    return etag


@functools.lru_cache(maxsize=512)
def _dumper(read_schema: type[ma.Schema], selection: tuple[str, ...], many: bool) -> ma.Schema:
    return read_schema(only=selection, many=many)


def selected(read_schema: type[ma.Schema], data, selection: tuple[str, ...], *, many: bool) -> Response:
    """The selected fields of an item (or of a page of items), as their own media type."""
    response = current_app.json.response(_dumper(read_schema, selection, many).dump(data))
    response.mimetype = FIELDS_MEDIA_TYPE
    return response
