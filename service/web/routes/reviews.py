"""What waits for a reviewer: changes in review, and published items due to be reviewed again."""

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from marshmallow import fields

from service.domain import review
from service.web.auth import require_role
from service.web.blueprint import Blueprint
from service.web.openapi import documented
from service.web.paths import API_PREFIX, content_href

blp = Blueprint(
    "reviews", __name__, url_prefix=API_PREFIX, description="Review dates and what waits for review."
)


class DueSchema(ma.Schema):
    type = fields.Function(
        lambda due: due.item.type, metadata={"description": "The item's type.", "example": "therapy"}
    )
    slug = fields.Function(lambda due: due.item.slug, metadata={"description": "The item's slug."})
    title = fields.Function(
        lambda due: due.item.title, metadata={"description": "Its name, question or title."}
    )
    href = fields.Function(lambda due: content_href(due.item), metadata={"description": "Its URL path."})
    reason = fields.String(
        metadata={
            "description": "`in_review`: a change waits for approval; `review_overdue`: the published "
            "version is due to be reviewed again.",
            "example": "in_review",
        }
    )
    since = fields.DateTime(
        metadata={"description": "Since when it waits: when it was submitted, or the day it fell due."}
    )


@blp.route("/reviews/due")
class ReviewsDue(MethodView):
    @documented(503)
    @require_role("viewer")
    @blp.response(200, DueSchema(many=True))
    def get(self):
        """List what waits for review

        Changes in review and published items due to be reviewed again (REVIEW_INTERVAL_MONTHS
        after their last review, 12 by default), oldest first. Needs a token.
        """
        return review.reviews_due(current_app.config["SETTINGS"].review_interval_months)
