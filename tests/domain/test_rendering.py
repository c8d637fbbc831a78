"""Markdown is served with HTML that no editor can turn into script, whatever they send."""

from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.domain.models import Citation, Source
from service.domain.rendering import render_markdown

HOSTILE_PIECES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    "<a href='javascript:alert(1)'>x</a>",
    "![i](javascript:alert(1))",
    "<svg onload=alert(1)>",
    "<iframe src=//evil>",
    '<div style="background:url(javascript:alert(1))">',
    "<ScRiPt>x</sCrIpT>",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "<body onload=alert(1)>",
    "`<script>`",
    "**bold** _em_",
    "\n\n",
    "> quote",
    "- item",
    "<",
    "&lt;script&gt;",
]


class _Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML (escaped text is not one)."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))


def assert_safe(html: str) -> None:
    for tag, attrs in _Elements(html).elements:
        assert tag not in {"script", "iframe", "svg", "style", "object", "embed", "body"}, html
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", html
            if name in ("href", "src"):
                scheme = (value or "").strip().lower().split(":")[0]
                assert scheme not in {"javascript", "data", "vbscript"}, html


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=40)), max_size=12))
def test_hostile_markdown_and_html_never_render_to_script(pieces):
    assert_safe(render_markdown("".join(pieces)))


def test_ordinary_markdown_keeps_its_formatting():
    html = render_markdown("# Title\n\n**bold**, [a link](https://example.org) and\n\n- one\n- two")
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html and "<li>one</li>" in html


def test_body_html_served_by_the_api_is_sanitized(client, editor):
    body = {"question": "Is this safe?", "answer": "<script>alert(1)</script> [x](javascript:alert(1))"}
    faq = client.post("/api/v1/faqs", json=body, headers=editor).json
    assert faq["answer"]["markdown"] == body["answer"]
    assert_safe(faq["answer"]["html"])


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    quote=st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=40)), max_size=8).map("".join),
    title=st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=40)),
)
def test_footnotes_quote_any_passage_as_text(quote, title):
    citation = Citation(key="c1", quote=quote, source=Source(title=title))
    html = render_markdown("A claim.[^c1]", [citation], anchor="faq-x")
    assert_safe(html)
    assert html.count('class="footnote-item"') == 1


def test_a_footnote_quotes_its_passage_and_names_its_source():
    citation = Citation(
        key="c1", quote="Some *stars* and <b>tags</b> stay text.", source=Source(title="A title")
    )
    html = render_markdown("A claim.[^c1]\n\nAnother.[^c1]", [citation], anchor="therapy-x")
    assert '<sup class="footnote-ref"><a href="#fn-therapy-x-1" id="fnref-therapy-x-1"' in html
    assert "\u201cSome *stars* and &lt;b&gt;tags&lt;/b&gt; stay text.\u201d" in html and "A title" not in html
