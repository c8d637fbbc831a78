"""What every response schema says in the spec: each field always there, each field typed, open
enums open; so that generated clients get required, typed fields and still accept what v1 adds."""

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import marshmallow as ma
from marshmallow import fields


class ResponseSchema(ma.Schema):
    """A response body. Every field it declares is in every answer (null only where the field
    allows it), so the spec lists each one as `required`, but those named in `SOMETIMES`. A client
    must tolerate fields added later, so the spec does not forbid other properties (marshmallow's
    default, RAISE, would say `additionalProperties: false`; on a dump it means nothing)."""

    SOMETIMES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("unknown", ma.EXCLUDE)
        super().__init__(*args, **kwargs)
        # `required` only says something when a schema loads; these only dump, and the spec reads it.
        for name, field in self.fields.items():
            field.required = name not in self.SOMETIMES


class OpenEnum(fields.String):
    """A string from a list that may grow (a content type, a status, an action): the spec gives the
    values known today as `anyOf` an enum and any string, so that a generated client offers them and
    still accepts a new one. Its own type is left to the `anyOf` (see service.web.api)."""

    def __init__(self, values: Iterable[str], **kwargs: Any) -> None:
        metadata = kwargs.pop("metadata", {})
        known = {"anyOf": [{"type": "string", "enum": list(values)}, {"type": "string"}]}
        super().__init__(metadata=known | metadata, **kwargs)


class UrlPath(fields.Function):
    """A URL path made from the object (`/api/v1/therapies/cytokines`): a string in the spec."""

    def __init__(self, make: Callable[[Any], str], description: str, example: str, **kwargs: Any) -> None:
        metadata = {"type": "string", "description": description, "example": example}
        super().__init__(make, metadata=metadata, **kwargs)
