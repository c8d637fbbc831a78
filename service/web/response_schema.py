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
    """A string from a list that may grow (a content type, a status, an action). The spec names the
    list, the values known today, as a schema of its own (`ContentStatus`), and gives each field of
    it as `anyOf` that schema and any string: generated clients make one type of the list, offer its
    values and still accept a new one. See `open_enum_property`."""

    def __init__(self, name: str, values: Iterable[str], **kwargs: Any) -> None:
        self.enum_name = name
        self.enum_values = tuple(values)
        super().__init__(**kwargs)


def open_enum_property(self: Any, field: ma.fields.Field, **kwargs: Any) -> dict:
    """apispec attribute function (bound to its converter, `self`): an open enum's property, its
    named schema registered the first time a field of it is met. Its type is left to the `anyOf`
    (see service.web.api); two lists of one name but different values are a mistake, refused."""
    if not isinstance(field, OpenEnum):
        return {}
    known = {
        "type": "string",
        "enum": list(field.enum_values),
        "description": "The values known today. An open list: a field of it takes any other string too.",
        "example": field.enum_values[0],
    }
    schemas = self.spec.components.schemas
    if field.enum_name not in schemas:
        self.spec.components.schema(field.enum_name, known)
    elif schemas[field.enum_name] != known:
        raise ValueError(f"Two open enums are named {field.enum_name}: {schemas[field.enum_name]}, {known}")
    return {"anyOf": [self.spec.components.get_ref("schema", field.enum_name), {"type": "string"}]}


class UrlPath(fields.Function):
    """A URL path made from the object (`/api/v1/therapies/cytokines`): a string in the spec."""

    def __init__(self, make: Callable[[Any], str], description: str, example: str, **kwargs: Any) -> None:
        metadata = {"type": "string", "description": description, "example": example}
        super().__init__(make, metadata=metadata, **kwargs)
