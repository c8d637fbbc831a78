"""The README's front-end recipes, plain `fetch` as in a browser, run as they are written under
Node.js against a real server, on each database. Each ```js block of README.md marked
`<!-- recipe: NAME -->` runs after the `shared` one (its server swapped for the test's), between
lines of this test's: before, a `fetch` that records every request; after, a few lines that use what
the recipe made and `report` it. The test checks the report against what the API answers. Node.js
is required, never skipped (tests/clients/conftest.py): .ci/run installs Debian's."""

import json
import re
import urllib.parse
import urllib.request

from service.settings import PROJECT_ROOT
from tests.clients.conftest import run

README = PROJECT_ROOT / "README.md"
RECIPE = re.compile(r"^<!-- recipe: ([a-z-]+) -->\n```js\n(.*?)^```$", re.MULTILINE | re.DOTALL)
RECIPES = ["shared", "list-screen", "detail-screen", "paging", "revalidate", "search-as-you-type"]
# The server as the README names it, which the test swaps for its own.
SERVER = 'const API = "http://127.0.0.1:8000";'
REPORTED = "recipe report: "

# Runs first: `report`, and a `fetch` that records each request's URL, the If-None-Match it sent
# and its outcome (a status, or the error's name), after waiting for `beforeAnswer` if one is set.
HARNESS = f"""
const report = (value) => console.log({json.dumps(REPORTED)} + JSON.stringify(value));
const requests = [];
const networkFetch = globalThis.fetch;
globalThis.fetch = async (url, options = {{}}) => {{
  const request = {{ url: String(url), ifNoneMatch: new Headers(options.headers).get("If-None-Match") }};
  requests.push(request);
  try {{
    await globalThis.beforeAnswer?.(options);
    const response = await networkFetch(url, options);
    request.outcome = response.status;
    return response;
  }} catch (error) {{
    request.outcome = error.name;
    throw error;
  }}
}};
"""


def recipes() -> dict[str, str]:
    found = RECIPE.findall(README.read_text())
    assert [name for name, _ in found] == RECIPES, "the README's recipes, in order, each once"
    return dict(found)


def run_recipe(name: str, served, node: str, tmp_path, after: str, before: str = "") -> dict:
    """Run one recipe with this test's lines around it: what they reported."""
    base, token = served
    blocks = recipes()
    assert blocks["shared"].count(SERVER) == 1, f"the shared recipe names the server as {SERVER}"
    shared = blocks["shared"].replace(SERVER, f"const API = {json.dumps(base)};")
    path = tmp_path / f"{name}.mjs"
    path.write_text("\n".join([HARNESS, before, shared, blocks[name], after]))
    output = run([node, path], cwd=tmp_path, timeout=120, CONTENT_API_URL=base, CONTENT_API_TOKEN=token)
    reports = [line.removeprefix(REPORTED) for line in output.splitlines() if line.startswith(REPORTED)]
    assert len(reports) == 1, output
    return json.loads(reports[0])


def read(base: str, path: str, **query) -> tuple:
    """What the API answers a reader: the JSON and the headers."""
    url = f"{base}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, url
        return json.load(response), response.headers


def query_of(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def test_the_readme_holds_the_recipes_in_order_each_once():
    assert all(code.strip() for code in recipes().values())


def test_the_list_screen_shows_the_first_page_of_faqs_with_only_its_fields(served, node, tmp_path):
    after = """
    const refused = await faqPage(0).then(() => "no error", (error) => error.message);
    report({ faqs, pages, refused, requests });
    """
    result = run_recipe("list-screen", served, node, tmp_path, after)
    faqs, headers = read(served[0], "/api/v1/faqs")
    assert [faq["slug"] for faq in result["faqs"]] == [faq["slug"] for faq in faqs]
    assert result["faqs"] == [
        {"slug": faq["slug"], "href": faq["href"], "question": faq["question"], "topics": faq["topics"]}
        for faq in faqs
    ]
    assert result["pages"] == json.loads(headers["X-Pagination"])["total_pages"] > 1
    asked, refused = result["requests"]
    assert (asked["outcome"], refused["outcome"]) == (200, 422)
    assert query_of(asked["url"]) == {"fields": "question,topics", "page": "1", "page_size": "20"}
    # A problem's detail, in the shared recipe's error.
    assert result["refused"] == "422 The request has invalid fields: see `errors`."


def test_the_detail_screen_shows_an_item_and_the_sources_it_cites(served, node, tmp_path):
    after = """
    const therapy = await detail("/api/v1/therapies/checkpoint-inhibitors");
    report({ shown: [{ item, citations }, therapy], requests });
    """
    result = run_recipe("detail-screen", served, node, tmp_path, after)
    sources, _ = read(served[0], "/api/v1/sources", page_size=100)
    titles = {source["slug"]: source["title"] for source in sources}
    hrefs = ("/api/v1/faqs/what-is-immunotherapy", "/api/v1/therapies/checkpoint-inhibitors")
    for href, shown in zip(hrefs, result["shown"], strict=True):
        item, _ = read(served[0], href)
        assert shown["item"] == item
        assert shown["citations"] == [
            {
                "id": cited["id"],
                "quote": cited["quote"],
                "source": titles[cited["source"]],
                "href": cited["href"],
            }
            for cited in item["sources"]
        ]
        assert shown["citations"], href
    # Two requests a screen: the item, then every source it cites at once.
    assert [request["outcome"] for request in result["requests"]] == [200] * 4
    assert [urllib.parse.urlsplit(request["url"]).path for request in result["requests"]] == [
        hrefs[0],
        "/api/v1/sources",
        hrefs[1],
        "/api/v1/sources",
    ]


def test_paging_follows_link_next_and_visits_every_item_once(served, node, tmp_path):
    result = run_recipe("paging", served, node, tmp_path, after="report({ everyFaq, requests });")
    faqs, _ = read(served[0], "/api/v1/faqs", fields="question", page_size=100)
    assert result["everyFaq"] == faqs
    assert len({faq["slug"] for faq in result["everyFaq"]}) == len(faqs) > 5
    pages = -(-len(faqs) // 5)
    assert [query_of(request["url"]) for request in result["requests"]] == [
        {"fields": "question", "page_size": "5"},
        *({"fields": "question", "page": str(page), "page_size": "5"} for page in range(2, pages + 1)),
    ]
    assert {request["outcome"] for request in result["requests"]} == {200}


def test_revalidating_gets_a_304_until_something_changes(served, node, tmp_path):
    after = """
    // A change the list shows makes its ETag new: an editor withdraws a therapy.
    const withdrawn = `${API}/api/v1/therapies/cytokines`;
    const editor = { Authorization: `Bearer ${process.env.CONTENT_API_TOKEN}` };
    const current = await fetch(`${withdrawn}?preview=true`, { headers: editor });
    const write = await fetch(withdrawn, {
      method: "DELETE",
      headers: { ...editor, "If-Match": current.headers.get("ETag") },
    });
    if (write.status !== 200) throw new Error(`the write: ${write.status}`);
    const later = await revalidated(therapiesUrl);
    report({ first, again, later, asked: requests.filter((request) => request.url === therapiesUrl) });
    """
    before, _ = read(served[0], "/api/v1/therapies", fields="name")
    result = run_recipe("revalidate", served, node, tmp_path, after)
    therapies, _ = read(served[0], "/api/v1/therapies", fields="name")
    assert therapies != before
    assert result["first"] == {"data": before, "changed": True}
    assert result["again"] == {"data": before, "changed": False}
    assert result["later"] == {"data": therapies, "changed": True}
    first, again, later = result["asked"]
    assert (first["outcome"], first["ifNoneMatch"]) == (200, None)
    assert again["outcome"] == 304 and again["ifNoneMatch"].startswith('"')
    assert (later["outcome"], later["ifNoneMatch"]) == (200, again["ifNoneMatch"])


def test_search_as_you_type_waits_for_a_pause_and_cancels_the_older_request(served, node, tmp_path):
    # Answers come 300 ms late here, so that a request is still on its way when the next text is
    # typed; the recipe asks 150 ms after the last keystroke. Timers fire in the order they are due,
    # however busy the machine.
    before = """
    globalThis.beforeAnswer = ({ signal }) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, 300);
        signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
    """
    after = """
    const shown = [];
    let answered;
    const anAnswer = new Promise((resolve) => (answered = resolve));
    const type = suggester((suggestions, text) => {
      shown.push({ text, suggestions });
      answered();
    });
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    for (const text of ["i", "im", "imm"]) type(text); // typed at once: one request, for "imm"
    await sleep(250); // that request is on its way
    type("immune ch"); // it is cancelled, and "immune ch" asked for
    await Promise.race([anAnswer, new Promise((resolve) => setTimeout(resolve, 20_000).unref())]);
    await sleep(600); // nothing else is shown
    type("  "); // an empty box: no suggestions, no request
    report({ shown, requests });
    """
    result = run_recipe("search-as-you-type", served, node, tmp_path, after, before)
    suggestions, _ = read(served[0], "/api/v1/search/suggest", q="immune ch")
    assert "Immune checkpoint inhibitors" in [suggestion["name"] for suggestion in suggestions]
    assert result["shown"] == [
        {"text": "immune ch", "suggestions": suggestions},
        {"text": "  ", "suggestions": []},
    ]
    assert [(query_of(request["url"]), request["outcome"]) for request in result["requests"]] == [
        ({"q": "imm"}, "AbortError"),
        ({"q": "immune ch"}, 200),
    ]
