"""Every public claim is backed by its passage: a version that would be public with an unsupported
claim is refused with a 422 naming each claim; a draft lists what it still lacks."""

import json
import re
import shutil

import pytest
import sqlalchemy as sa
import yaml

from service.domain.db import db
from service.domain.editing import update_item
from service.domain.models import Indication, Therapy
from service.domain.seeding import SeedError, load_seed
from service.settings import PROJECT_ROOT
from service.web.schemas import CREATE_SCHEMAS
from tests.backed import APPROVAL, BACKED_THERAPY, DRUGS
from tests.conftest import token_headers
from tests.domain.test_seeding import SEED_DIR
from tests.workflow import approve, preview_etag, submit


def approval(client, url, reviewer):
    """The reviewer's approval of what is in review, whatever it answers."""
    return client.post(f"{url}/approve", headers=reviewer | {"If-Match": preview_etag(client, url, reviewer)})


def publish(client, editor, reviewer, body, collection="therapies"):
    """Creates the item as a draft, submits it and asks the reviewer to approve it: the approval's
    response (the claim rules are checked there)."""
    created = client.post(f"/api/v1/{collection}", json=body, headers=editor)
    assert created.status_code == 201, created.json
    url = created.headers["Location"]
    submit(client, url, editor, created.headers["ETag"])
    return approval(client, url, reviewer)


def change_and_publish(client, editor, reviewer, url, changes):
    """A change of a published item, submitted: the approval's response."""
    changed = client.patch(
        url, json=changes, headers=editor | {"If-Match": preview_etag(client, url, editor)}
    )
    assert changed.status_code == 200, changed.json
    submit(client, url, editor, changed.headers["ETag"])
    return approval(client, url, reviewer)


def claims_refused(response) -> dict:
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    return response.json["errors"]["json"]["claims"]


def with_citation(body: dict, index: int, **changes) -> dict:
    sources = [dict(citation) for citation in body["sources"]]
    sources[index] |= changes
    return body | {"sources": sources}


def test_a_fully_backed_therapy_is_published_with_its_citations_and_footnotes(client, editor, reviewer):
    response = publish(client, editor, reviewer, BACKED_THERAPY)
    assert response.status_code == 200, response.json
    therapy = client.get("/api/v1/therapies/oncolytic-virus-therapy").json
    assert therapy == response.json
    assert therapy["status"] == "published" and therapy["unsupported_claims"] == []
    first = therapy["sources"][0]
    assert first["id"] == "c1" and first["href"] == "/api/v1/sources/immunotherapy-use"
    assert first["supports"] == ["summary", "body", "examples:nivolumab", "indications:melanoma"]
    html = therapy["body"]["html"]
    # Markers become footnote links; the quotes, footnotes naming their source.
    assert 'href="#fn-therapy-oncolytic-virus-therapy-1"' in html
    assert '<section class="footnotes">' in html
    assert "\u201cDrugs like pembrolizumab and nivolumab" in html and "[^c1]" not in html


@pytest.mark.parametrize(
    ("change", "claim"),
    [
        (
            lambda b: with_citation(b, 0, supports=["body", "examples:nivolumab", "indications:melanoma"]),
            "summary",
        ),
        (lambda b: with_citation(b, 1, supports=[]), "side_effects:fatigue"),
        (lambda b: b | {"examples": ["nivolumab", "ipilimumab"]}, "examples:ipilimumab"),
        # A citation that names the entry but does not contain it backs nothing.
        (
            lambda b: with_citation(b, 1, quote=APPROVAL, source="immunotherapy-key-points"),
            "side_effects:fatigue",
        ),
        (
            lambda b: with_citation(b, 0, supports=["summary", "body", "examples:nivolumab"]),
            "indications:melanoma",
        ),
        (
            lambda b: b | {"body": "Some drugs help against melanoma.[^c1]\n\nA paragraph with no marker."},
            "body",
        ),
        (lambda b: b | {"body": "Some drugs help against melanoma.[^c9]"}, "body"),
        (lambda b: b | {"body": "# Immunotherapy cures every cancer\n\nSome drugs help.[^c1]"}, "body"),
        (lambda b: b | {"body": "Some drugs help, says `[^c1]`."}, "body"),
    ],
    ids=[
        "summary",
        "list entry unsupported",
        "list entry uncited",
        "quote lacks the entry",
        "link",
        "paragraph without a marker",
        "marker naming no citation",
        "heading without a marker",
        "marker in a code span",
    ],
)
def test_publishing_an_unsupported_claim_is_refused_naming_it(client, editor, reviewer, change, claim):
    response = publish(client, editor, reviewer, change(BACKED_THERAPY))
    assert claim in claims_refused(response)
    url = "/api/v1/therapies/oncolytic-virus-therapy"
    assert client.get(url).status_code == 404
    assert client.get(url, headers=editor).json["status"] == "in_review"


def test_a_draft_lists_what_it_lacks_and_publishing_it_is_refused_until_it_lacks_nothing(
    app, client, editor, reviewer
):
    draft = client.post(
        "/api/v1/therapies", json=with_citation(BACKED_THERAPY, 0, supports=["body"]), headers=editor
    )
    assert draft.status_code == 201
    lacking = {entry["claim"] for entry in draft.json["unsupported_claims"]}
    assert lacking == {"summary", "examples:nivolumab", "indications:melanoma"}

    url = draft.headers["Location"]
    submit(client, url, editor, draft.headers["ETag"])
    refused = approval(client, url, reviewer)
    assert set(claims_refused(refused)) == lacking
    assert client.get(url).status_code == 404
    # Sent back, fixed, and approved.
    rejected = client.post(
        f"{url}/reject",
        headers=reviewer | {"If-Match": preview_etag(client, url, reviewer), "X-Change-Note": "Cite it."},
    )
    assert rejected.status_code == 200 and rejected.json["status"] == "draft"
    fixed = client.patch(
        url,
        json={"sources": BACKED_THERAPY["sources"]},
        headers=editor | {"If-Match": rejected.headers["ETag"]},
    )
    assert fixed.status_code == 200, fixed.json
    assert fixed.json["unsupported_claims"] == []
    # Another reviewer approves it: the one who sent it back wrote its rejected version.
    second_reviewer = token_headers(app, "reviewer-di", "reviewer")
    published = approve(client, url, editor, second_reviewer, fixed.headers["ETag"])
    assert published.json["status"] == "published" and published.json["unsupported_claims"] == []


def test_a_change_to_a_published_item_that_breaks_a_claim_is_refused_and_changes_nothing(
    client, editor, reviewer
):
    assert publish(client, editor, reviewer, BACKED_THERAPY).status_code == 200
    url = "/api/v1/therapies/oncolytic-virus-therapy"
    etag = client.get(url).headers["ETag"]
    response = change_and_publish(client, editor, reviewer, url, {"body": "Rewritten without a marker."})
    assert "body" in claims_refused(response)
    after = client.get(url)
    assert after.headers["ETag"] == etag and after.json["body"]["markdown"] == BACKED_THERAPY["body"]
    assert after.json["status"] == "published"
    assert client.get(f"{url}?preview=true", headers=editor).json["status"] == "in_review"


def test_approved_needs_a_passage_that_says_approved(client, editor, reviewer):
    indication = {
        "name": "Kidney disease of testing",
        "summary": "A condition described for testing.",
        "area": "cancer",
        "immunotherapy_status": "approved",
        "sources": [
            {
                "id": "a",
                "source": "immunotherapy-use",
                "quote": DRUGS,
                "supports": ["summary", "area", "immunotherapy_status"],
            }
        ],
    }
    problems = claims_refused(publish(client, editor, reviewer, indication, "indications"))
    assert list(problems) == ["immunotherapy_status"] and "approve" in problems["immunotherapy_status"][0]

    # Changed while in review (in place: it was never published), then approved.
    url = "/api/v1/indications/kidney-disease-of-testing"
    sources = with_citation(indication, 0, source="immunotherapy-key-points", quote=APPROVAL)["sources"]
    changed = client.patch(
        url, json={"sources": sources}, headers=editor | {"If-Match": preview_etag(client, url, editor)}
    )
    assert changed.status_code == 200 and changed.json["status"] == "in_review"
    assert approval(client, url, reviewer).status_code == 200
    assert client.get(url).json["immunotherapy_status"] == "approved"


def test_area_and_status_each_need_a_citation(client, editor, reviewer):
    indication = {
        "name": "A condition of testing",
        "summary": "A condition described for testing.",
        "area": "cancer",
        "immunotherapy_status": "used",
        "sources": [{"source": "immunotherapy-use", "quote": DRUGS, "supports": ["summary"]}],
    }
    assert set(claims_refused(publish(client, editor, reviewer, indication, "indications"))) == {
        "area",
        "immunotherapy_status",
    }


def test_a_link_is_backed_at_either_end_by_a_quote_that_names_the_other_item(client, editor, reviewer):
    # The indication backs the link at its end, naming the therapy by an alternate name.
    indication = {
        "name": "A cancer of testing",
        "summary": "A condition described for testing.",
        "area": "cancer",
        "immunotherapy_status": "used",
        "sources": [
            {
                "id": "i",
                "source": "immunotherapy-use",
                "quote": DRUGS,
                "supports": ["summary", "area", "immunotherapy_status", "therapies:oncolytic-virus-therapy"],
            }
        ],
    }
    assert publish(client, editor, reviewer, indication, "indications").status_code == 200
    therapy = BACKED_THERAPY | {
        "alternate_names": ["nivolumab"],
        "indications": ["melanoma", "a-cancer-of-testing"],
    }
    response = publish(client, editor, reviewer, therapy)
    assert response.status_code == 200, response.json

    # Without its support there, the link is backed at neither end: the indication's change is refused.
    url = "/api/v1/indications/a-cancer-of-testing"
    sources = with_citation(indication, 0, supports=["summary", "area", "immunotherapy_status"])["sources"]
    response = change_and_publish(client, editor, reviewer, url, {"sources": sources})
    assert list(claims_refused(response)) == ["therapies:oncolytic-virus-therapy"]
    assert len(client.get(url).json["sources"][0]["supports"]) == 4

    # A quote that does not name the linked item backs no link.
    faq = {
        "question": "Is there a cancer of testing?",
        "answer": "There is.[^q]",
        "indications": ["a-cancer-of-testing"],
        "sources": [
            {
                "id": "q",
                "source": "immunotherapy-key-points",
                "quote": APPROVAL,
                "supports": ["answer", "indications:a-cancer-of-testing"],
            }
        ],
    }
    refused = publish(client, editor, reviewer, faq, "faqs")
    assert list(claims_refused(refused)) == ["indications:a-cancer-of-testing"]


def test_a_therapy_and_an_indication_list_their_faqs(client, editor, reviewer):
    assert publish(client, editor, reviewer, BACKED_THERAPY).status_code == 200
    faq = {
        "question": "Which drugs treat melanoma?",
        "answer": "Some do.[^q]",
        "therapies": ["oncolytic-virus-therapy"],
        "indications": ["melanoma"],
        "sources": [
            {
                "id": "q",
                "source": "immunotherapy-use",
                "quote": DRUGS,
                "supports": ["answer", "indications:melanoma", "therapies:oncolytic-virus-therapy"],
            }
        ],
    }
    # The quote does not name the therapy until the therapy is known by a name it uses.
    refused = publish(client, editor, reviewer, faq, "faqs")
    assert list(claims_refused(refused)) == ["therapies:oncolytic-virus-therapy"]
    url = "/api/v1/therapies/oncolytic-virus-therapy"
    renamed = change_and_publish(client, editor, reviewer, url, {"alternate_names": ["nivolumab"]})
    assert renamed.status_code == 200, renamed.json
    # The FAQ waited in review, unchanged: now its claims hold.
    response = approval(client, "/api/v1/faqs/which-drugs-treat-melanoma", reviewer)
    assert response.status_code == 200, response.json

    assert [link["slug"] for link in client.get(url).json["faqs"]] == ["which-drugs-treat-melanoma"]
    melanoma = client.get("/api/v1/indications/melanoma").json
    assert "which-drugs-treat-melanoma" in [link["slug"] for link in melanoma["faqs"]]
    listed = client.get("/api/v1/faqs?indication=melanoma&page_size=100").json
    assert "which-drugs-treat-melanoma" in [item["slug"] for item in listed]


def test_supports_must_name_a_claim_of_the_item(client, editor):
    body = with_citation(BACKED_THERAPY, 0, supports=["summary", "area", "colour:red"])
    response = client.post("/api/v1/therapies", json=body, headers=editor)
    assert response.status_code == 422
    errors = response.json["errors"]["json"]["sources"]["0"]["supports"]
    assert any("'area'" in message for message in errors) and any(
        "'colour:red'" in message for message in errors
    )


def test_citation_ids_are_unique_and_footnotes_are_not_written_by_hand(client, editor):
    body = with_citation(BACKED_THERAPY, 1, id="c1")
    response = client.post("/api/v1/therapies", json=body, headers=editor)
    assert response.status_code == 422 and "c1" in str(response.json["errors"]["json"]["sources"])

    body = BACKED_THERAPY | {"body": "Text.[^c1]\n\n[^c1]: My own footnote."}
    response = client.post("/api/v1/therapies", json=body, headers=editor)
    assert response.status_code == 422 and "body" in response.json["errors"]["json"]


def test_a_citation_without_an_id_is_known_by_its_position(client, editor, reviewer):
    sources = [
        {"source": c["source"], "quote": c["quote"], "supports": c["supports"]}
        for c in BACKED_THERAPY["sources"]
    ]
    body = BACKED_THERAPY | {"sources": sources, "body": "Drugs help.[^1]\n\n- It may tire you.[^2]"}
    response = publish(client, editor, reviewer, body)
    assert response.status_code == 200, response.json
    assert [citation["id"] for citation in response.json["sources"]] == ["1", "2"]


def test_related_indications_link_both_ways(client, editor):
    autoimmune = client.get("/api/v1/indications/autoimmune-disorders").json
    related = {link["slug"] for link in autoimmune["related_indications"]}
    assert {"multiple-sclerosis", "rheumatoid-arthritis"} <= related
    for slug in ("multiple-sclerosis", "rheumatoid-arthritis"):
        other = client.get(f"/api/v1/indications/{slug}").json
        assert "autoimmune-disorders" in {link["slug"] for link in other["related_indications"]}


def test_every_published_seed_item_lacks_nothing(client):
    for collection in ("therapies", "mechanisms", "indications", "faqs"):
        for item in client.get(f"/api/v1/{collection}?page_size=100").json:
            assert item["unsupported_claims"] == [], item["slug"]
            assert all(citation["href"].startswith("/api/v1/sources/") for citation in item["sources"])


def test_the_seed_refuses_an_unsupported_claim_and_changes_nothing(app, tmp_path):
    seed_dir = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed_dir)
    therapies = yaml.safe_load((seed_dir / "therapies.yaml").read_text())
    therapies[0]["summary"] += " (revised)"
    therapies[0]["examples"] = [*therapies[0].get("examples", []), "cureallumab"]
    (seed_dir / "therapies.yaml").write_text(yaml.safe_dump(therapies, allow_unicode=True))
    with app.app_context(), pytest.raises(SeedError) as error:
        load_seed(seed_dir, CREATE_SCHEMAS)
    assert f"therapy {therapies[0]['slug']}: examples:cureallumab" in str(error.value)
    with app.app_context():
        summary = db.session.scalar(sa.select(Therapy.summary).filter_by(slug=therapies[0]["slug"]))
        assert not summary.endswith("(revised)")


def test_the_readme_example_of_a_cited_patch_works(client, editor, reviewer):
    readme = (PROJECT_ROOT / "README.md").read_text()
    example = re.search(r"curl -X PATCH \$API/(\S+) .*?<<'JSON'\n(.*?)\nJSON\n", readme, re.DOTALL)
    path, body = example.group(1), json.loads(example.group(2))
    url = f"/api/v1/{path}"
    response = client.patch(url, json=body, headers=editor | {"If-Match": client.get(url).headers["ETag"]})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "draft" and response.json["examples"] == body["examples"]
    assert response.json["unsupported_claims"] == []
    approve(client, url, editor, reviewer, response.headers["ETag"])
    published = client.get(url).json
    assert published["status"] == "published" and published["examples"] == body["examples"]


def test_each_target_of_a_mechanism_is_backed_by_a_quote_that_contains_it(client, editor, reviewer):
    mechanism = {
        "name": "A blockade of testing",
        "summary": "A mechanism described for testing.",
        "body": "It blocks a brake.[^t]",
        "targets": ["PD-1", "LAG-3"],
        "sources": [
            {
                "id": "t",
                "source": "how-immunotherapy-works",
                "quote": "These drugs block proteins such as PD-1, PD-L1, and CTLA-4",
                "supports": ["summary", "body", "targets:PD-1", "targets:LAG-3"],
            }
        ],
    }
    problems = claims_refused(publish(client, editor, reviewer, mechanism, "mechanisms"))
    assert list(problems) == ["targets:LAG-3"]


def test_every_paragraph_of_an_answer_carries_a_marker(client, editor, reviewer):
    faq = {
        "question": "Do drugs like nivolumab help?",
        "answer": "They have helped many people.[^q]\n\nThey always work.",
        "sources": [{"id": "q", "source": "immunotherapy-use", "quote": DRUGS, "supports": ["answer"]}],
    }
    problems = claims_refused(publish(client, editor, reviewer, faq, "faqs"))
    assert problems == {
        "answer": ["Paragraph 2 carries no footnote marker [^id] naming one of its citations."]
    }


def test_the_seed_leaves_editors_items_to_them_and_records_what_they_lack(app, tmp_path):
    with app.app_context():
        # An editor's change published before the claim rules: the seed still loads.
        melanoma = db.session.scalar(sa.select(Indication).filter_by(slug="melanoma"))
        update_item(melanoma, {"sources": []}, author="editor-ann", check_claims=False)
        seed_dir = tmp_path / "seed"
        shutil.copytree(SEED_DIR, seed_dir)
        therapies = yaml.safe_load((seed_dir / "therapies.yaml").read_text())
        therapies[0]["summary"] += " (revised)"
        (seed_dir / "therapies.yaml").write_text(yaml.safe_dump(therapies, allow_unicode=True))
        report = load_seed(seed_dir, CREATE_SCHEMAS)
        assert f"therapy {therapies[0]['slug']}" in report.updated and "indication melanoma" in report.kept
        db.session.expire_all()
        lacking = {entry["claim"] for entry in _indication("melanoma").unsupported_claims}
        assert {"summary", "area", "immunotherapy_status"} <= lacking


def _indication(slug: str) -> Indication:
    return db.session.scalar(sa.select(Indication).filter_by(slug=slug))
