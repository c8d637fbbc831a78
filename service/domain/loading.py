"""How items are loaded with everything they show, in a fixed number of statements."""

from collections.abc import Collection, Sequence

from sqlalchemy import orm as so

from service.domain.content import ContentKind
from service.domain.models import ContentItem, Faq


def load_options(kind: ContentKind, statuses: Sequence[str], shown: Collection[str] | None = None) -> list:
    """Eager loads for everything an item shows (or the fields of it `shown`): one SELECT per
    relationship, whatever the page size.

    Links to items a reader may not see (drafts, archived) are left out by the same query.
    """
    options = []
    if not kind.cites:
        options.append(so.undefer(kind.model.cited_by))
    elif shown is None or "sources" in shown:
        options.append(so.selectinload(ContentItem.citations))
    for name in kind.shown_relationships:
        if shown is not None and name in kind.links and name not in shown:
            continue
        relationship = getattr(kind.model, name)
        linked = relationship.property.mapper.class_
        options.append(so.selectinload(relationship.and_(linked.status.in_(statuses))))
    if kind.model is Faq and (shown is None or "topics" in shown):
        options.append(so.selectinload(Faq.topic_rows))
    return options
