"""Query parameters, in one place: lists of values (`indication=melanoma,lung-cancer`), and the
refusal of any parameter that the operation does not declare in the OpenAPI spec.

The spec is the list of what each operation takes: a parameter it does not name is a 422 naming
it, so a typo (`?pagesize=5`, `?feilds=name`) is seen, never silently ignored. A parameter given
twice is a 422 too, unless it takes a list: a list's values may be given comma-separated or by
repeating the parameter, and mean the same. The spec itself (`openapi.json`) takes no parameter;
the documentation pages, HTML for people and outside the spec, ignore their query string (a link
with tracking parameters still opens them).
"""

import threading
from collections.abc import Mapping

import marshmallow as ma
from flask import Flask, request
from flask_smorest import Api, abort
from flask_smorest.spec.plugins import FlaskPlugin
from marshmallow import fields, validate

# Endpoints that are no operation of the spec but take only what it declares: none.
SPEC_ENDPOINTS = ("api-docs.openapi_json",)
LIST_DESCRIPTION = "Several values, comma-separated (or the parameter repeated), mean any of them."


class CommaList(fields.List):
    """A query parameter that takes several values: `a,b` or `x=a&x=b` (or both), each validated
    by `item`, kept once each in the order given."""

    # webargs hands a field that says so every value of a repeated parameter.
    is_multiple = True
    # The spec documents it as `style: form, explode: false`, the comma-separated form (openapi.py).
    comma_separated = True

    def __init__(self, item: fields.Field, *, max_items: int = 100, **kwargs):
        if not any(isinstance(check, validate.Regexp) for check in item.validators):
            # Said in the spec: no value holds a comma (each is split at them).
            item.validators.append(validate.Regexp(r"^[^,]*$", error="Not a single value."))
        super().__init__(item, validate=validate.Length(min=1, max=max_items), **kwargs)
        self.max_items = max_items

    def _deserialize(self, value, attr, data, **kwargs) -> list:
        given = value if isinstance(value, list) else [value]
        if not all(isinstance(each, str) for each in given):
            raise self.make_error("invalid")
        values = [part.strip() for each in given for part in each.split(",")]
        # Counted as sent, repeats included, as the spec's maxItems counts them.
        if len(values) > self.max_items:
            raise ma.ValidationError(f"At most {self.max_items} values.")
        return super()._deserialize(list(dict.fromkeys(values)), attr, data, **kwargs)


class DeclaredParameters:
    """The query parameters of every operation, read from the spec once, when first needed:
    (endpoint, method) -> {name: whether it takes a list}."""

    def __init__(self, app: Flask, api: Api):
        self.app = app
        self.api = api
        self._lock = threading.Lock()
        self._by_operation: dict[tuple[str, str], dict[str, bool]] | None = None

    def of(self, endpoint: str, method: str) -> Mapping[str, bool] | None:
        """None for a route that is no operation of the spec (the documentation pages)."""
        if self._by_operation is None:
            with self._lock:
                if self._by_operation is None:
                    self._by_operation = self._read()
        method = "GET" if method == "HEAD" else method
        return self._by_operation.get((endpoint, method))

    def _read(self) -> dict[tuple[str, str], dict[str, bool]]:
        spec = self.api.spec.to_dict()
        components = spec.get("components", {}).get("parameters", {})

        def resolved(parameter: dict) -> dict:
            if "$ref" in parameter:
                return components[parameter["$ref"].rsplit("/", 1)[-1]]
            return parameter

        operations: dict[tuple[str, str], dict[str, bool]] = {}
        for rule in self.app.url_map.iter_rules():
            if rule.endpoint in SPEC_ENDPOINTS:
                for method in rule.methods or ():
                    operations[(rule.endpoint, method)] = {}
                continue
            path_item = spec["paths"].get(FlaskPlugin.flaskpath2openapi(rule.rule))
            if path_item is None:
                continue
            shared = path_item.get("parameters", [])
            for method, operation in path_item.items():
                if method == "parameters":
                    continue
                parameters = [resolved(p) for p in (*shared, *operation.get("parameters", []))]
                operations[(rule.endpoint, method.upper())] = {
                    p["name"]: p.get("schema", {}).get("type") == "array"
                    for p in parameters
                    if p["in"] == "query"
                }
        return operations


def refuse_undeclared_parameters(app: Flask, api: Api) -> None:
    """A 422 naming each query parameter the operation does not declare, and each one given more
    than once that takes no list."""
    declared = DeclaredParameters(app, api)

    @app.before_request
    def check_query_parameters() -> None:
        if not request.args or request.url_rule is None or request.method == "OPTIONS":
            return
        known = declared.of(request.endpoint, request.method)
        if known is None:
            return
        errors = {}
        for name in request.args:
            if name not in known:
                errors[name] = ["Unknown parameter."]
            elif not known[name] and len(values := request.args.getlist(name)) > 1:
                errors[name] = [f"Given {len(values)} times: give it once."]
        if errors:
            takes = ", ".join(f"`{name}`" for name in sorted(known)) or "none"
            abort(
                422,
                message=f"Query parameters this operation does not take, or takes once: "
                f"{', '.join(f'`{name}`' for name in sorted(errors))}. It takes: {takes}.",
                errors={"query": errors},
            )
