"""`flask content lint`: clean on the seed, and each of its rules catches what it is for."""

import sqlalchemy as sa

from service.domain.content import INDICATION
from service.domain.db import db
from service.domain.editing import create_item, update_item
from service.domain.lint import lint, similarity
from service.domain.models import Indication
from tests.backed import APPROVAL


def test_the_seed_is_clean(app):
    result = app.test_cli_runner().invoke(args=["content", "lint"])
    assert result.exit_code == 0, result.output
    assert "clean" in result.output


def _indication(slug: str) -> Indication:
    return db.session.scalar(sa.select(Indication).filter_by(slug=slug))


def test_each_rule_finds_what_it_is_for(app):
    with app.app_context():
        melanoma, lymphoma = _indication("melanoma"), _indication("lymphoma")
        update_item(melanoma, {"summary": "As the documents say, CAR-T helps."}, author="editor-ann")
        wordy = (
            "Notwithstanding considerable heterogeneity, immunomodulatory interventions demonstrate "
            "substantially differentiated pharmacodynamic characteristics across heterogeneous "
            "oncological populations, necessitating individualized therapeutic considerations."
        )
        update_item(lymphoma, {"summary": wordy}, author="editor-ann")
        create_item(
            INDICATION,
            {
                "name": "A lonely condition",
                "summary": _indication("lung-cancer").summary,
                "area": "cancer",
                "immunotherapy_status": "approved",
                "status": "published",
                "sources": [
                    {
                        "id": "a",
                        "source": "immunotherapy-key-points",
                        "quote": APPROVAL,
                        "supports": ["summary", "area", "immunotherapy_status"],
                    }
                ],
            },
            author="editor-ann",
        )
        findings = [str(finding) for finding in lint()]
    assert "indication melanoma: curator notes: the summary says 'the documents'" in findings
    assert any(f.startswith("indication melanoma: typography: the summary has 'CAR-T'") for f in findings)
    assert any(
        f.startswith("indication lymphoma: reading level: the summary reads at grade") for f in findings
    )
    assert any(
        (f.startswith("indication a-lonely-condition: near-duplicate:") and "indication lung-cancer" in f)
        or (f.startswith("indication lung-cancer: near-duplicate:") and "a-lonely-condition" in f)
        for f in findings
    )
    assert (
        "indication a-lonely-condition: unreachable: it links to nothing published, and nothing links to it"
        in findings
    )
    result = app.test_cli_runner().invoke(args=["content", "lint"])
    assert result.exit_code == 1 and f"{len(findings)} findings" in result.output


def test_lint_checks_claims_of_what_was_published_before_the_rules(app):
    with app.app_context():
        melanoma = _indication("melanoma")
        update_item(melanoma, {"sources": []}, author="editor-ann", check_claims=False)
        findings = [str(finding) for finding in lint()]
    assert "indication melanoma: claims: summary: No citation supports the summary." in findings


def test_similarity_is_the_share_of_word_trigrams():
    assert similarity("one two three four", "one two three four") == 1.0
    assert similarity("one two three four", "one two three five") == 1 / 3
    assert similarity("a b", "a b") == 0.0
