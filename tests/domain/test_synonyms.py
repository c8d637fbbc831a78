"""The synonym store as search reads it, how terms compare, and two writers of one version."""

import dataclasses

import pytest
import sqlalchemy as sa

from service.domain import search, synonyms
from service.domain.db import db
from service.domain.errors import StaleVersion
from service.domain.models import SynonymRevision, SynonymSet


def test_search_reads_every_set_in_one_statement_oldest_first(app_context):
    made = synonyms.create_synonym_set(["cancer drugs", "pembrolizumab"], one_way=True, author="editor-ann")
    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        entries = search.synonym_sets()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert entries[0] == search.SynonymEntry(("Keytruda", "pembrolizumab"), False)
    assert entries[-1] == search.SynonymEntry(("cancer drugs", "pembrolizumab"), True)
    ids = db.session.scalars(sa.select(SynonymSet.id).order_by(SynonymSet.id)).all()
    assert len(entries) == len(ids) and ids[-1] == made.id
    with pytest.raises(dataclasses.FrozenInstanceError):
        entries[0].one_way = True  # type: ignore[misc]
    assert entries[-1].triggers == ("cancer drugs",) and entries[0].triggers == entries[0].terms


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Keytruda", "keytruda"),
        ("Café  au   lait", "cafe au lait"),
        ("Sjögren's", "sjogrens"),
        ("Crohn’s disease", "crohns disease"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
        ("PD-1", "pd-1"),
    ],
)
def test_terms_compare_regardless_of_case_accents_apostrophes_and_spacing_but_not_hyphens(written, key):
    assert synonyms.term_key(written) == key
    assert synonyms.term_key("CAR-T") != synonyms.term_key("CAR T")


def test_terms_are_stored_as_written_in_their_composed_form(app_context):
    decomposed = "Sjo\u0308gren's syndrome"
    made = synonyms.create_synonym_set([decomposed, "Sjogren syndrome"], author="editor-ann")
    assert made.terms == ["Sj\u00f6gren's syndrome", "Sjogren syndrome"]


def _committed_meanwhile(set_id: int, version: int) -> None:
    """Another writer commits `version` after this one read the version before (both passed If-Match)."""
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(SynonymSet).where(SynonymSet.id == set_id).values(version=version, terms=["a", "b"])
        )


def test_a_writer_who_read_an_older_version_is_refused_and_changes_nothing(app_context):
    made = synonyms.create_synonym_set(["Yervoy", "ipilimumab"], author="editor-ann")
    _committed_meanwhile(made.id, 2)
    with pytest.raises(StaleVersion):
        synonyms.replace_synonym_set(made, ["Yervoy", "MDX-010"], author="editor-bo")
    read = db.session.get(SynonymSet, made.id)
    db.session.refresh(read)
    assert (read.version, read.terms) == (2, ["a", "b"])
    _committed_meanwhile(made.id, 3)
    with pytest.raises(StaleVersion):
        synonyms.delete_synonym_set(read, author="editor-bo")
    db.session.expire_all()
    assert db.session.get(SynonymSet, made.id).version == 3
    actions = db.session.scalars(
        sa.select(SynonymRevision.action).where(SynonymRevision.synonym_set_id == made.id)
    ).all()
    assert actions == ["created"]


def test_a_deleted_sets_id_is_never_given_to_another(app_context):
    last = synonyms.create_synonym_set(["Yervoy", "ipilimumab"], author="editor-ann")
    synonyms.delete_synonym_set(last, author="editor-ann")
    made = synonyms.create_synonym_set(["Rituxan", "rituximab"], author="editor-ann")
    assert made.id > last.id
    page = synonyms.list_synonym_revisions(last.id, page=1, page_size=20)
    assert [revision.action for revision in page.items] == ["created", "deleted"]
