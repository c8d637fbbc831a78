"""What the domain refuses, and how: each error says the status the web layer answers it with."""


class CommitOutcomeUnknown(Exception):
    """The connection was lost while a write was committing: the database may or may not have it."""


class ContentError(Exception):
    """A write that the content rules refuse; `status` says how it is answered."""

    status = 422

    def __init__(self, detail: str, errors: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class InvalidContent(ContentError):
    status = 422


class NotAllowed(ContentError):
    """A step the rules keep from this person: approving one's own change."""

    status = 403


class ContentConflict(ContentError):
    status = 409


class StaleVersion(ContentError):
    status = 412
