"""The seed: the five documents byte for byte, complete content, checked citations, idempotence."""

import hashlib
import os
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from service.domain.db import db
from service.domain.editing import update_item
from service.domain.models import ContentItem, Revision, Source, Therapy
from service.domain.seeding import SeedError, load_seed
from service.settings import PROJECT_ROOT
from service.web.schemas import CREATE_SCHEMAS

SEED_DIR = PROJECT_ROOT / "seed"
SHARED_DOCUMENTS = Path(os.environ.get("SHARED_DIR", PROJECT_ROOT.parent / "shared")) / "seed-documents"


def _all(client, collection):
    response = client.get(f"/api/v1/{collection}?page_size=100")
    assert response.status_code == 200
    return response.json


def test_seed_documents_are_the_shared_documents_byte_for_byte():
    ours = sorted(path.name for path in (SEED_DIR / "documents").iterdir())
    assert len(ours) == 5
    if not SHARED_DOCUMENTS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(
                f"The shared documents are missing: {SHARED_DOCUMENTS} (CI has shared/ beside the project)."
            )
        pytest.skip(f"No shared documents to compare with at {SHARED_DOCUMENTS} (set SHARED_DIR).")
    assert ours == sorted(path.name for path in SHARED_DOCUMENTS.iterdir())
    for name in ours:
        assert (SEED_DIR / "documents" / name).read_bytes() == (SHARED_DOCUMENTS / name).read_bytes()


def test_served_checksums_are_the_sha256_of_the_original_files(client):
    sources = {source["slug"]: source for source in _all(client, "sources")}
    assert len(sources) == 5
    for entry in yaml.safe_load((SEED_DIR / "sources.yaml").read_text()):
        raw = (SEED_DIR / "documents" / entry["file"]).read_bytes()
        assert sources[entry["slug"]]["checksum"] == hashlib.sha256(raw).hexdigest()
        assert sources[entry["slug"]]["cited_by"] > 0


def test_served_source_text_is_cleaned_of_the_scraping_noise(client):
    texts = {source["slug"]: source["text"] for source in _all(client, "sources")}
    assert "The immunotherapy use" not in texts["immunotherapy-use"]
    assert "Immunotherapy works on the basis of" not in texts["how-immunotherapy-works"]
    assert "Overall, immunotherapy works on the basis of empowering" in texts["how-immunotherapy-works"]
    assert "checkpoint_inhibitors" not in texts["immunotherapy-beyond-cancer"]
    assert "checkpoint inhibitors" in texts["immunotherapy-beyond-cancer"]
    assert not texts["immunotherapy-breakthroughs"].endswith("Similar Posts")
    assert all("\n\n\n" not in text for text in texts.values())


def test_every_item_cites_an_exact_passage_of_a_source(client):
    texts = {source["slug"]: source["text"] for source in _all(client, "sources")}
    for collection in ("therapies", "mechanisms", "indications", "faqs"):
        for item in _all(client, collection):
            assert item["sources"], f"{item['slug']} cites nothing"
            for citation in item["sources"]:
                assert len(citation["quote"]) >= 20
                assert citation["quote"] in texts[citation["source"]], (item["slug"], citation["quote"])


def test_content_covers_what_the_documents_name(client):
    therapies = {item["slug"]: item for item in _all(client, "therapies")}
    assert {
        "checkpoint-inhibitors",
        "car-t-cell-therapy",
        "monoclonal-antibodies",
        "cancer-vaccines",
        "cytokines",
        "allergen-immunotherapy",
    } <= set(therapies)
    examples = {example.lower() for item in therapies.values() for example in item["examples"]}
    assert {"pembrolizumab", "nivolumab", "trastuzumab"} <= examples
    mechanisms = _all(client, "mechanisms")
    assert len(mechanisms) >= 5
    assert {"PD-1", "PD-L1", "CTLA-4"} <= {target for item in mechanisms for target in item["targets"]}
    indications = {item["slug"]: item for item in _all(client, "indications")}
    for name in ("melanoma", "lung-cancer", "bladder-cancer", "kidney-cancer", "lymphoma"):
        assert indications[name]["immunotherapy_status"] == "approved"
    for name in ("multiple-sclerosis", "rheumatoid-arthritis"):
        assert indications[name]["immunotherapy_status"] == "investigational"


def test_approved_is_said_only_where_a_cited_passage_says_it(client):
    indications = _all(client, "indications")
    approved = [item for item in indications if item["immunotherapy_status"] == "approved"]
    assert {item["slug"] for item in approved} == {
        "melanoma",
        "lung-cancer",
        "bladder-cancer",
        "kidney-cancer",
        "lymphoma",
    }
    for item in approved:
        assert any(
            "approve" in citation["quote"].lower() and item["name"].lower() in citation["quote"].lower()
            for citation in item["sources"]
        ), item["slug"]
    statuses = {item["slug"]: item["immunotherapy_status"] for item in indications}
    # Used to treat them, with no approval stated; and a vaccine that prevents, not treats.
    assert [statuses[slug] for slug in ("leukemia", "her2-positive-breast-cancer", "chronic-infections")] == [
        "used",
        "used",
        "used",
    ]
    assert statuses["cervical-cancer"] == "prevention"


CURATOR_NOTES = ("the documents", "the document ", "the source says", "the sources say", "do not say")


def test_no_curator_note_reaches_a_reader(client):
    for collection in ("therapies", "mechanisms", "indications", "faqs"):
        for item in _all(client, collection):
            text = " ".join(str(item.get(field) or "") for field in ("summary", "body", "answer")).lower()
            found = [note for note in CURATOR_NOTES if note in text]
            assert not found, f"{collection}/{item['slug']}: {found}"


def test_faqs_open_with_the_questions_of_the_documents_qa_in_order(client):
    faqs = _all(client, "faqs")
    assert len(faqs) >= 8
    assert [faq["question"] for faq in faqs[:5]] == [
        "What is immunotherapy?",
        "How does immunotherapy work?",
        "What are the different types of immunotherapy for cancer treatment?",
        "Are there any side effects of immunotherapy?",
        "Is immunotherapy a type of targeted therapy?",
    ]
    assert [faq["position"] for faq in faqs] == sorted(faq["position"] for faq in faqs)


def test_links_go_both_ways(client):
    therapies = _all(client, "therapies")
    indications = {item["slug"]: item for item in _all(client, "indications")}
    mechanisms = {item["slug"]: item for item in _all(client, "mechanisms")}
    checked = 0
    for therapy in therapies:
        for link in therapy["indications"]:
            assert therapy["slug"] in [t["slug"] for t in indications[link["slug"]]["therapies"]]
            checked += 1
        for link in therapy["mechanisms"]:
            assert therapy["slug"] in [t["slug"] for t in mechanisms[link["slug"]]["therapies"]]
            checked += 1
    assert checked >= 10


def _counts():
    return (
        db.session.scalar(sa.select(sa.func.count(Revision.id))),
        db.session.scalar(sa.select(sa.func.sum(ContentItem.version))),
    )


def test_seeding_again_changes_nothing(app_context):
    before = _counts()
    report = load_seed(SEED_DIR, CREATE_SCHEMAS)
    assert report.created == report.updated == report.kept == []
    # The five sources are content items too.
    assert len(report.unchanged) == db.session.scalar(sa.select(sa.func.count(ContentItem.id)))
    assert _counts() == before


def test_seed_updates_its_own_items_and_leaves_editors_changes_alone(app_context, tmp_path):
    seed_dir = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed_dir)
    therapies = yaml.safe_load((seed_dir / "therapies.yaml").read_text())
    for entry in therapies:
        entry["summary"] += " (revised)"
    (seed_dir / "therapies.yaml").write_text(yaml.safe_dump(therapies, allow_unicode=True))
    edited = db.session.scalar(sa.select(Therapy).filter_by(slug="cytokines"))
    update_item(edited, {"summary": "An editor's summary."}, author="editor-ann", note="Reworded.")

    report = load_seed(seed_dir, CREATE_SCHEMAS)

    assert "therapy cytokines" in report.kept
    assert "therapy checkpoint-inhibitors" in report.updated
    db.session.expire_all()
    assert db.session.scalar(sa.select(Therapy.summary).filter_by(slug="cytokines")) == "An editor's summary."
    assert db.session.scalar(sa.select(Therapy.summary).filter_by(slug="checkpoint-inhibitors")).endswith(
        "(revised)"
    )


def test_seed_refuses_a_quote_that_is_not_in_its_source(app, tmp_path):
    seed_dir = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed_dir)
    therapies = yaml.safe_load((seed_dir / "therapies.yaml").read_text())
    therapies[0]["sources"] = [
        {"source": "immunotherapy-use", "quote": "Immunotherapy cures every disease known."}
    ]
    (seed_dir / "therapies.yaml").write_text(yaml.safe_dump(therapies, allow_unicode=True))
    with app.app_context(), pytest.raises(SeedError) as error:
        load_seed(seed_dir, CREATE_SCHEMAS)
    assert therapies[0]["slug"] in str(error.value)
    assert "Immunotherapy cures every disease known." in str(error.value)
    with app.app_context():
        assert db.session.scalar(sa.select(Therapy.summary).filter_by(slug=therapies[0]["slug"])) != ""


def test_flask_seed_reports_what_it_did_and_fails_loudly_on_bad_content(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0
    assert "created 0, updated 0" in result.output

    seed_dir = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed_dir)
    (seed_dir / "faqs.yaml").write_text("- slug: Not A Slug\n  question: Why?\n")
    app.config["SETTINGS"] = replace(app.config["SETTINGS"], seed_dir=seed_dir)
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code != 0
    assert "faq Not A Slug" in result.output


def test_sources_have_real_titles_and_say_nothing_they_do_not_reveal(client):
    entries = {entry["slug"]: entry for entry in yaml.safe_load((SEED_DIR / "sources.yaml").read_text())}
    for source in _all(client, "sources"):
        # The scraper's pasted phrase is noise, never a title.
        assert source["title"] not in entries[source["slug"]].get("noise", []), source["slug"]
        # No document names its address, publisher, author or dates: unknown, not invented.
        for field in ("url", "publisher", "author", "published_on", "retrieved_on"):
            assert field in source and source[field] is None, (source["slug"], field)


def test_seed_updates_its_own_sources_and_leaves_editors_changes_alone(app_context, tmp_path):
    seed_dir = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed_dir)
    entries = yaml.safe_load((seed_dir / "sources.yaml").read_text())
    for entry in entries:
        entry["title"] += " (revised)"
        entry["published_on"] = date(2020, 5, 1)
    (seed_dir / "sources.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True))
    edited = db.session.scalar(sa.select(Source).filter_by(slug="immunotherapy-use"))
    update_item(edited, {"title": "An editor's title"}, author="editor-ann", note="Retitled.")

    report = load_seed(seed_dir, CREATE_SCHEMAS)

    assert report.kept == ["source immunotherapy-use"]
    assert len(report.updated) == 4 and "source immunotherapy-key-points" in report.updated
    db.session.expire_all()
    sources = {source.slug: source for source in db.session.scalars(sa.select(Source))}
    assert sources["immunotherapy-use"].title == "An editor's title"
    assert sources["immunotherapy-key-points"].title.endswith("(revised)")
    assert sources["immunotherapy-key-points"].published_on == date(2020, 5, 1)
    again = load_seed(seed_dir, CREATE_SCHEMAS)
    assert again.updated == again.created == [] and again.kept == ["source immunotherapy-use"]


def test_seed_refuses_a_source_whose_text_changed(app, tmp_path):
    seed_dir = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed_dir)
    entry = yaml.safe_load((seed_dir / "sources.yaml").read_text())[2]
    document = seed_dir / "documents" / entry["file"]
    document.write_text(document.read_text() + "\nA sentence added to the document.\n")
    with app.app_context(), pytest.raises(SeedError) as error:
        load_seed(seed_dir, CREATE_SCHEMAS)
    assert f"source {entry['slug']}" in str(error.value)
    assert "never changes" in str(error.value) and "new source" in str(error.value)
