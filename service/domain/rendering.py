"""Markdown to safe HTML: markdown-it-py renders, nh3 keeps only harmless tags and attributes.

Footnote markers `[^id]` name the item's citations: each renders as a link to a footnote that
quotes the cited passage. The passage never changes (a source's text does not); its source's
title may, so it is named by the citation in the item's `sources`, not in the HTML.
"""

import re
from collections.abc import Sequence

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from service.domain.claims import MARKER
from service.domain.models import Citation

# CommonMark with tables and strikethrough; raw HTML in the Markdown is escaped, not passed on.
_markdown = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).use(footnote_plugin)

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "img", "sup", "section",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "img": {"src", "alt", "title"},
    "ol": {"start", "class"},
    "li": {"id", "class"},
    "sup": {"class"},
    "section": {"class"},
    "hr": {"class"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def render_markdown(markdown: str, citations: Sequence[Citation] = (), *, anchor: str = "") -> str:
    """Return sanitized HTML: no script, no event handlers, no javascript: URLs.

    `anchor` prefixes the footnotes' ids, so that items shown on one page do not share them.
    """
    named = set(MARKER.findall(markdown))
    definitions = [f"[^{c.key}]: \u201c{_escaped(c.quote)}\u201d" for c in citations if c.key in named]
    source = "\n\n".join([markdown, *definitions]) if definitions else markdown
    html = _markdown.render(source, {"docId": anchor} if anchor else None)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def _escaped(text: str) -> str:
    """Text taken literally by Markdown: every ASCII punctuation mark escaped, lines joined."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(text.split()))


def plain_text(markdown: str) -> str:
    """The words a reader sees, without Markdown syntax or footnote markers: what search shows."""
    blocks = []
    for token in _markdown.parse(MARKER.sub("", markdown)):
        if token.type == "inline":
            pieces = [_PLAIN_INLINE.get(child.type, child.content) for child in token.children or ()]
            blocks.append("".join(pieces))
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content)
    return " ".join(" ".join(block.split()) for block in blocks if block.strip())


# Inline tokens that stand for no text but a break; every other token's content is its text
# (an image's is its alternative text; markup such as emphasis has none).
_PLAIN_INLINE = {"softbreak": " ", "hardbreak": " "}
