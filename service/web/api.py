"""The flask-smorest Api that every blueprint registers with, and CORS: one bare instance each."""

from flask_cors import CORS

from service.web.errors import ProblemApi

api = ProblemApi()
cors = CORS()
