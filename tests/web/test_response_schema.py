"""Open enums in the spec: one named schema per list, refused when two lists share a name."""

import marshmallow as ma
import pytest
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from service.web.response_schema import OpenEnum, open_enum_property


def spec_of(*schemas: type[ma.Schema]) -> dict:
    plugin = MarshmallowPlugin()
    spec = APISpec("t", "1", "3.1.0", plugins=[plugin])
    plugin.converter.add_attribute_function(open_enum_property)
    for schema in schemas:
        spec.components.schema(schema.__name__, schema=schema)
    return spec.to_dict()["components"]["schemas"]


class Swatch(ma.Schema):
    colour = OpenEnum("Colour", ("red", "green"))


class Paint(ma.Schema):
    shade = OpenEnum("Colour", ("red", "green"))


class Flag(ma.Schema):
    colour = OpenEnum("Colour", ("red", "white"))


def test_fields_of_one_open_enum_refer_to_one_named_schema():
    schemas = spec_of(Swatch, Paint)
    assert schemas["Colour"]["type"] == "string" and schemas["Colour"]["enum"] == ["red", "green"]
    either = [{"$ref": "#/components/schemas/Colour"}, {"type": "string"}]
    assert schemas["Swatch"]["properties"]["colour"]["anyOf"] == either
    assert schemas["Paint"]["properties"]["shade"]["anyOf"] == either


def test_two_open_enums_of_one_name_and_other_values_are_refused():
    with pytest.raises(ValueError, match="Two open enums are named Colour"):
        spec_of(Swatch, Flag)
