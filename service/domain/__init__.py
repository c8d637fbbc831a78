"""The content and its rules: models, content kinds, the editing path, queries, search, seeding and
checks. Plain Python and SQLAlchemy: nothing here knows of HTTP or of a request."""
