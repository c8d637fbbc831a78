"""The health representation of a content item: schema.org JSON-LD, a MedicalWebPage about the
item, served when the client's Accept prefers `application/ld+json`; and that choice itself.

URLs are the items' own paths, as in the JSON: relative references, which JSON-LD resolves against
the document's URL. An absolute one would have to come from the request's Host, which a client
chooses, and the response cache would then serve one client's host to every other.
"""

import functools
import json
from typing import Any

from flask import Response
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from service.domain.content import kind_of
from service.domain.models import Citation, ContentItem, Faq, Indication, Mechanism, Therapy
from service.web.paths import collection_href, content_href

JSON = "application/json"
JSON_LD = "application/ld+json"
# JSON-LD's own profile for what this is: a compacted document (one context, short terms).
_COMPACTED = f'{JSON_LD}; profile="http://www.w3.org/ns/json-ld#compacted"'
# JSON first: where the client likes both alike (`*/*`, `application/*`), today's JSON it stays.
_OFFERED = (JSON, JSON_LD, _COMPACTED)
# The JSON-LD's ETag is the JSON's with this suffix: the two never validate each other.
ETAG_SUFFIXES = {JSON: "", JSON_LD: "-ld"}
# An item's answer depends on Accept: caches in front must keep the two apart.
VARY_ACCEPT = {"Vary": "Accept"}
# The second representation of an item's 200 answer, in the OpenAPI spec (`Blueprint.alt_response`).
JSON_LD_RESPONSE = {
    "schema": "MedicalWebPage",
    "content_type": JSON_LD,
    "description": "The item, as JSON; or, when `Accept` prefers `application/ld+json`, as schema.org "
    "JSON-LD (a MedicalWebPage about the item) with an ETag of its own. Responses vary on `Accept`.",
}

SCHEMA_ORG = "https://schema.org"
LANGUAGE = "en"


@functools.lru_cache(maxsize=128)
def negotiate(accept: str | None) -> str:
    """JSON or JSON-LD for this Accept header, by its q-values (werkzeug's `best_match`, which is
    what `request.accept_mimetypes` gives); JSON when it names neither. The item view and the
    response cache, before Flask, both ask here, so that they never disagree. Memoized, and
    bounded: clients send few distinct headers, and a browser's takes tens of µs to parse."""
    if not accept:
        return JSON
    best = parse_accept_header(accept, MIMEAccept).best_match(_OFFERED, default=JSON)
    return JSON if best == JSON else JSON_LD


def represented(item: ContentItem, media_type: str) -> ContentItem | Response:
    """The item in the media type negotiated: JSON-LD made here, or the item itself, for the
    route's schema to serialize as JSON."""
    if media_type != JSON_LD:
        return item
    # Pages embed it in <script type="application/ld+json">: no text of it may close that element.
    body = json.dumps(medical_web_page(item), ensure_ascii=False)
    for character, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        body = body.replace(character, escaped)
    return Response(body, mimetype=JSON_LD)


def medical_web_page(item: ContentItem) -> dict[str, Any]:
    """The page that shows the item, about the item (its mainEntity), with its citations."""
    href = content_href(item)
    entity = _ENTITIES[item.type](item)
    page: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "MedicalWebPage",
        "@id": href,
        "url": href,
        "name": item.title,
        **_description(item),
        "inLanguage": LANGUAGE,
        # A draft never published has no date of publication (editors see drafts).
        **({"datePublished": item.published_at.isoformat()} if item.published_at else {}),
        "dateModified": item.updated_at.isoformat(),
        "citation": _citations(item.citations),
        "about": {"@id": entity["@id"]},
        "mainEntity": entity,
    }
    related = [content_href(linked) for name in kind_of(item).links for linked in getattr(item, name)]
    if related:
        page["relatedLink"] = related
    return page


def _node(item: ContentItem, schema_type: str) -> dict[str, Any]:
    """An item as a schema.org thing: the same @id wherever it appears, so that graphs join."""
    href = content_href(item)
    return {"@type": schema_type, "@id": f"{href}#{item.type}", "name": item.title, "url": href}


def _description(item: ContentItem) -> dict[str, str]:
    """The summary, for the kinds that have one (a FAQ has none)."""
    summary = getattr(item, "summary", None)
    return {"description": summary} if summary else {}


def _therapy(therapy: Therapy) -> dict[str, Any]:
    entity = _node(therapy, "MedicalTherapy") | _description(therapy)
    # `examples` are named drugs or products: substances given as the therapy (antibodies,
    # vaccines, cytokines), which is what schema.org's Drug is.
    if therapy.examples:
        entity["drug"] = [{"@type": "Drug", "name": name} for name in therapy.examples]
    # Left out when unknown (null) and when none ([]): schema.org has no way to say "none".
    if therapy.side_effects:
        entity["adverseOutcome"] = [{"@type": "MedicalEntity", "name": name} for name in therapy.side_effects]
    return entity


def _mechanism(mechanism: Mechanism) -> dict[str, Any]:
    # schema.org has no type for a mechanism of action (only Drug's `mechanismOfAction`, a text):
    # the general MedicalEntity it is. Its therapies are in the page's relatedLink.
    return _node(mechanism, "MedicalEntity") | _description(mechanism)


# What an indication's immunotherapy_status lets the page say of its therapies, and no more:
# approved or used to treat it, a possible treatment; used to prevent it, a primary prevention.
# Investigational, or a status added since, claims neither; the therapies stay in relatedLink.
_THERAPIES_AS = {
    "approved": "possibleTreatment",
    "used": "possibleTreatment",
    "prevention": "primaryPrevention",
}


def _indication(indication: Indication) -> dict[str, Any]:
    entity = _node(indication, "MedicalCondition") | _description(indication)
    claim = _THERAPIES_AS.get(indication.immunotherapy_status)
    if claim and indication.therapies:
        entity[claim] = [_node(therapy, "MedicalTherapy") for therapy in indication.therapies]
    return entity


def _faq(faq: Faq) -> dict[str, Any]:
    entity = _node(faq, "Question")
    # The answer's sanitized HTML, said to be HTML: it keeps the answer's lists and links, and
    # schema.org's consumers of FAQ answers take HTML.
    entity["acceptedAnswer"] = {"@type": "Answer", "text": faq.answer_html, "encodingFormat": "text/html"}
    if faq.therapies:
        entity["about"] = [_node(therapy, "MedicalTherapy") for therapy in faq.therapies]
    return entity


_ENTITIES = {"therapy": _therapy, "mechanism": _mechanism, "indication": _indication, "faq": _faq}


def _citations(citations: list[Citation]) -> list[dict[str, Any]]:
    """One CreativeWork per source, in the order first cited, with every passage quoted of it."""
    works: dict[int, dict[str, Any]] = {}
    for citation in citations:
        source = citation.source
        if source.id not in works:
            href = f"{collection_href('sources')}/{source.slug}"
            known = {
                "author": source.author,
                "publisher": source.publisher,
                "datePublished": source.published_on and source.published_on.isoformat(),
            }
            works[source.id] = {
                "@type": "CreativeWork",
                "@id": href,
                "name": source.title,
                "url": source.url or href,
                **{name: value for name, value in known.items() if value},
                "text": [],
            }
        works[source.id]["text"].append(citation.quote)
    return list(works.values())


# --- What the OpenAPI spec says of it ------------------------------------------------------------


def _string(description: str, **more) -> dict[str, Any]:
    return {"type": "string", "description": description, **more}


def _array(items: dict[str, Any], description: str) -> dict[str, Any]:
    return {"type": "array", "items": items, "description": description}


_NODE_PROPERTIES = {
    "@type": _string("The schema.org type.", example="MedicalTherapy"),
    "@id": _string(
        "The item's URL path with its type as the fragment (`#therapy`): the same in every document."
    ),
    "name": _string("The item's name; a FAQ's question."),
    "url": _string("The item's URL path (its `href`)."),
}
_NAMED = {
    "type": "object",
    "properties": {"@type": _string("The schema.org type."), "name": _string("Its name.")},
    "required": ["@type", "name"],
}

# Examples for the spec, from a seeded therapy: each schema's is a part of the page's.
_LINK_EXAMPLE = {
    "@type": "MedicalCondition",
    "@id": "/api/v1/indications/melanoma#indication",
    "name": "Melanoma",
    "url": "/api/v1/indications/melanoma",
}
_ENTITY_EXAMPLE = {
    "@type": "MedicalTherapy",
    "@id": "/api/v1/therapies/checkpoint-inhibitors#therapy",
    "name": "Immune checkpoint inhibitors",
    "url": "/api/v1/therapies/checkpoint-inhibitors",
    "description": "Among the best-known kinds of immunotherapy. These drugs free immune cells to "
    "attack cancer.",
    "drug": [{"@type": "Drug", "name": "pembrolizumab"}, {"@type": "Drug", "name": "nivolumab"}],
}
_CITATION_EXAMPLE = {
    "@type": "CreativeWork",
    "@id": "/api/v1/sources/immunotherapy-use",
    "name": "Immunotherapy against cancer: how it works, its types and its challenges",
    "url": "/api/v1/sources/immunotherapy-use",
    "text": ["Immune checkpoint inhibitors are among the most well-known."],
}
_PAGE_EXAMPLE = {
    "@context": SCHEMA_ORG,
    "@type": "MedicalWebPage",
    "@id": "/api/v1/therapies/checkpoint-inhibitors",
    "url": "/api/v1/therapies/checkpoint-inhibitors",
    "name": "Immune checkpoint inhibitors",
    "description": _ENTITY_EXAMPLE["description"],
    "inLanguage": LANGUAGE,
    "datePublished": "2026-11-23T09:30:00+00:00",
    "dateModified": "2026-11-23T09:30:00+00:00",
    "citation": [_CITATION_EXAMPLE],
    "about": {"@id": _ENTITY_EXAMPLE["@id"]},
    "mainEntity": _ENTITY_EXAMPLE,
    "relatedLink": ["/api/v1/mechanisms/checkpoint-blockade", "/api/v1/indications/melanoma"],
}

# Component schemas, by name: the page, the item it is about, a linked item, a cited source.
SCHEMAS: dict[str, dict[str, Any]] = {
    "SchemaOrgLink": {
        "type": "object",
        "description": "A linked content item, named, with its URL.",
        "properties": _NODE_PROPERTIES,
        "required": list(_NODE_PROPERTIES),
        "example": _LINK_EXAMPLE,
    },
    "SchemaOrgEntity": {
        "type": "object",
        "description": "The item itself: a therapy is a MedicalTherapy, an indication a MedicalCondition, "
        "a FAQ a Question, a mechanism a MedicalEntity (schema.org has no type for a mechanism).",
        "properties": _NODE_PROPERTIES
        | {
            "description": _string("The item's summary; a FAQ has none."),
            "drug": _array(_NAMED, "MedicalTherapy: the therapy's named drugs or products (`examples`)."),
            "adverseOutcome": _array(
                _NAMED, "MedicalTherapy: its side effects, when the sources name any (`side_effects`)."
            ),
            "possibleTreatment": _array(
                {"$ref": "#/components/schemas/SchemaOrgLink"},
                "MedicalCondition: its therapies, when immunotherapy is approved or used to treat it.",
            ),
            "primaryPrevention": _array(
                {"$ref": "#/components/schemas/SchemaOrgLink"},
                "MedicalCondition: its therapies, when immunotherapy is used to prevent it.",
            ),
            "acceptedAnswer": {
                "type": "object",
                "description": "Question: the answer, as sanitized HTML (`answer.html`).",
                "properties": {
                    "@type": _string("`Answer`."),
                    "text": _string("The answer's HTML."),
                    "encodingFormat": _string("`text/html`."),
                },
                "required": ["@type", "text", "encodingFormat"],
            },
            "about": _array(
                {"$ref": "#/components/schemas/SchemaOrgLink"}, "Question: the therapies it is about."
            ),
        },
        "required": list(_NODE_PROPERTIES),
        "example": _ENTITY_EXAMPLE,
    },
    "SchemaOrgCitation": {
        "type": "object",
        "description": "A cited source, as a CreativeWork, with every passage the item quotes of it.",
        "properties": {
            "@type": _string("`CreativeWork`."),
            "@id": _string("The source's URL path in this API."),
            "name": _string("The source's title."),
            "url": _string("Where the document was published, when known; else its URL path in this API."),
            "author": _string("Who wrote it; only when known."),
            "publisher": _string("Who published it; only when known."),
            "datePublished": _string("When it was published; only when known.", format="date"),
            "text": _array({"type": "string"}, "The passages quoted, exactly as in the source."),
        },
        "required": ["@type", "@id", "name", "url", "text"],
        "example": _CITATION_EXAMPLE,
    },
    "MedicalWebPage": {
        "type": "object",
        "description": "schema.org JSON-LD (compacted): the page that shows a content item, about it.",
        "properties": {
            "@context": _string("`https://schema.org`."),
            "@type": _string("`MedicalWebPage`."),
            "@id": _string("The item's URL path (a relative reference)."),
            "url": _string("The item's URL path (its `href`)."),
            "name": _string("The item's name; a FAQ's question."),
            "description": _string("The item's summary; a FAQ has none."),
            "inLanguage": _string("The content's language.", example=LANGUAGE),
            "datePublished": _string(
                "When the item was first published (`published_at`); absent if never.", format="date-time"
            ),
            "dateModified": _string("When the item last changed (`updated_at`).", format="date-time"),
            "citation": _array(
                {"$ref": "#/components/schemas/SchemaOrgCitation"}, "The sources the item cites."
            ),
            "about": {
                "type": "object",
                "description": "A reference (`@id`) to the mainEntity.",
                "properties": {"@id": _string("The mainEntity's `@id`.")},
                "required": ["@id"],
            },
            "mainEntity": {"$ref": "#/components/schemas/SchemaOrgEntity"},
            "relatedLink": _array(_string("A URL path."), "The URL paths of the items it links to."),
        },
        "required": [
            "@context",
            "@type",
            "@id",
            "url",
            "name",
            "inLanguage",
            "dateModified",
            "citation",
            "about",
            "mainEntity",
        ],
        "example": _PAGE_EXAMPLE,
    },
}
