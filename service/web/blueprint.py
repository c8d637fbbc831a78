"""The blueprint every resource uses: flask-smorest's, with a JSON parser that cannot be crashed."""

import json

import flask_smorest
from webargs.flaskparser import FlaskParser


class JsonBodyParser(FlaskParser):
    """webargs' parser; but a body nested past Python's recursion limit is invalid JSON (400), no crash."""

    # webargs' documented way to change how a body is read is to override this method.
    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise json.JSONDecodeError("The JSON is nested too deeply.", "", 0) from None


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = JsonBodyParser()
