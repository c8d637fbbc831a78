"""What waits for a reviewer: changes in review, and published items due to be reviewed again."""

from flask import current_app
from flask.views import MethodView

from service.domain import review
from service.web.auth import require_role
from service.web.blueprint import Blueprint
from service.web.openapi import documented, operation
from service.web.paths import API_PREFIX
from service.web.schemas import DueSchema

blp = Blueprint(
    "reviews", __name__, url_prefix=API_PREFIX, description="Review dates and what waits for review."
)


@blp.route("/reviews/due")
class ReviewsDue(MethodView):
    @operation("listReviewsDue")
    @documented(503)
    @require_role("viewer")
    @blp.response(200, DueSchema(many=True))
    def get(self):
        """List what waits for review

        Changes in review and published items due to be reviewed again (REVIEW_INTERVAL_MONTHS
        after their last review, 12 by default), oldest first. Needs a token.
        """
        return review.reviews_due(current_app.config["SETTINGS"].review_interval_months)
