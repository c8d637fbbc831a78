"""The flask-smorest Api that every blueprint registers with, and CORS: one bare instance each."""

from flask_cors import CORS

from service.web.errors import ProblemApi
from service.web.response_schema import OpenEnum

api = ProblemApi()
# An open enum's type is its `anyOf` alone: a `type: string` beside it would say it twice.
api.register_field(OpenEnum, None, None)
cors = CORS()
