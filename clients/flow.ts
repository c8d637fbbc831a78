// A reader's and an editor's flow through the TypeScript client generated from the live spec
// (openapi-typescript's types, openapi-fetch's runtime): every call is typed by the spec, and
// `tsc --strict` checks this file against it. CONTENT_API_URL is the server, CONTENT_API_TOKEN an
// editor's token. Each check throws: any failure exits non-zero with what went wrong.
import createClient from "openapi-fetch";
import type { components, paths } from "./api.js";

type Therapy = components["schemas"]["Therapy"];
type Pagination = components["schemas"]["PaginationMetadata"];
// An open enum is one named type, whichever schema holds it; a field of it takes any string too.
type ContentStatus = components["schemas"]["ContentStatus"];
const PUBLISHED: ContentStatus = "published";
// Items also answer schema.org JSON-LD (`Accept: application/ld+json`): this client reads JSON and
// problem details only, so that `data` is the item and `error` the problem.
type JsonMedia = "application/json" | "application/problem+json";

const COLLECTIONS: Record<string, string> = {
  therapy: "therapies",
  mechanism: "mechanisms",
  indication: "indications",
  faq: "faqs",
};

const baseUrl = required(process.env.CONTENT_API_URL, "CONTENT_API_URL");
const token = required(process.env.CONTENT_API_TOKEN, "CONTENT_API_TOKEN");

const reader = createClient<paths, JsonMedia>({ baseUrl });
const editor = createClient<paths, JsonMedia>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });

function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing`);
  return value;
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function expectThat(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/** The X-Pagination header: JSON, in the shape of the spec's PaginationMetadata. */
function pagination(response: Response): Pagination {
  return JSON.parse(required(response.headers.get("X-Pagination"), "X-Pagination")) as Pagination;
}

/** The URL of one relation of an RFC 8288 Link header, resolved against the server. */
function linkTo(response: Response, rel: string): URL {
  const header = required(response.headers.get("Link"), "Link");
  for (const part of header.split(",")) {
    const match = /<([^>]*)>\s*;\s*rel="([^"]*)"/.exec(part);
    if (match?.[2] === rel) return new URL(required(match[1], "a link's target"), baseUrl);
  }
  throw new Error(`Link has no rel="${rel}": ${header}`);
}

function checkTherapy(item: Therapy): void {
  expectEqual(item.href, `/api/v1/therapies/${item.slug}`, `href of ${item.slug}`);
  expectThat(item.name.length > 0, `${item.slug} has a name`);
  expectThat(item.version >= 1, `${item.slug} has a version`);
  expectEqual(item.status, PUBLISHED, `${item.slug}'s status, as a reader sees it`);
}

// 1. A list screen: page 1, then page 2 through the Link header's `next`.
const first = await reader.GET("/api/v1/therapies", { params: { query: { page: 1, page_size: 2 } } });
expectEqual(first.response.status, 200, "GET /therapies?page=1");
const firstPage = required(first.data, "page 1");
expectEqual(firstPage.length, 2, "items on page 1");
firstPage.forEach(checkTherapy);
const paging = pagination(first.response);
expectEqual(paging.page, 1, "X-Pagination page");
expectEqual(paging.next_page, 2, "X-Pagination next_page");
expectEqual(paging.previous_page, null, "X-Pagination previous_page on page 1");
expectThat(paging.total_pages >= 3, `several pages: ${JSON.stringify(paging)}`);

const next = linkTo(first.response, "next");
expectEqual(next.pathname, "/api/v1/therapies", "Link next's path");
const second = await reader.GET("/api/v1/therapies", {
  params: {
    query: {
      page: Number(next.searchParams.get("page")),
      page_size: Number(next.searchParams.get("page_size")),
    },
  },
});
expectEqual(second.response.status, 200, "GET Link next");
const secondPage = required(second.data, "page 2");
expectEqual(secondPage.length, 2, "items on page 2");
secondPage.forEach(checkTherapy);
expectEqual(pagination(second.response).page, 2, "X-Pagination page after following next");
expectEqual(pagination(second.response).previous_page, 1, "X-Pagination previous_page on page 2");
const firstSlugs = new Set(firstPage.map((item) => item.slug));
expectThat(!secondPage.some((item) => firstSlugs.has(item.slug)), "page 2 repeats nothing of page 1");

// 2. A detail screen: one item by its slug, with its ETag.
const listed = required(firstPage[0], "the first item");
const slug = listed.slug;
const detail = await reader.GET("/api/v1/therapies/{slug}", { params: { path: { slug } } });
expectEqual(detail.response.status, 200, `GET /therapies/${slug}`);
const item = required(detail.data, "the item");
checkTherapy(item);
expectEqual(item.slug, slug, "the item's slug");
expectEqual(item.name, listed.name, "the item's name, as listed");
expectThat(item.sources.length > 0, "the item cites its sources");
expectThat((detail.response.headers.get("ETag") ?? "").startsWith('"'), "a strong ETag");

// 3. A search box.
const search = await reader.GET("/api/v1/search", { params: { query: { q: "pembrolizumab" } } });
expectEqual(search.response.status, 200, "GET /search?q=pembrolizumab");
const hits = required(search.data, "hits");
expectThat(hits.length > 0, "pembrolizumab finds something");
for (const hit of hits) {
  expectThat(typeof hit.slug === "string" && typeof hit.name === "string", "a hit has a slug and a name");
  const collection = COLLECTIONS[hit.type];
  expectEqual(hit.href, `/api/v1/${collection}/${hit.slug}`, "a hit's href");
  expectThat(typeof hit.snippet === "string" && Array.isArray(hit.highlights), "a hit has a snippet and highlights");
}

// 4. An edit: read the latest version's ETag, PATCH with If-Match, then a stale If-Match is a 412.
const latest = await editor.GET("/api/v1/therapies/{slug}", {
  params: { path: { slug }, query: { preview: true } },
});
expectEqual(latest.response.status, 200, "GET ?preview=true as an editor");
const etag = required(latest.response.headers.get("ETag"), "ETag of the latest version");
const current = required(latest.data, "the latest version");
const version = current.version;
const summary = `${current.summary} Changed by the generated TypeScript client.`;

const patched = await editor.PATCH("/api/v1/therapies/{slug}", {
  params: { path: { slug }, header: { "If-Match": etag, "X-Change-Note": "TypeScript client flow" } },
  body: { summary },
});
expectEqual(patched.response.status, 200, `PATCH /therapies/${slug} with If-Match`);
const changed = required(patched.data, "the changed item");
expectEqual(changed.summary, summary, "the summary sent");
expectEqual(changed.version, version + 1, "the new version");
const newEtag = required(patched.response.headers.get("ETag"), "ETag of the new version");
expectThat(newEtag !== etag, "the ETag changes with the version");

const history = await editor.GET("/api/v1/therapies/{slug}/revisions", { params: { path: { slug } } });
expectEqual(history.response.status, 200, "GET the revisions");
const revision = required(history.data?.[0], "the newest revision");
expectEqual(revision.version, version + 1, "the newest revision's version");
expectEqual(revision.note, "TypeScript client flow", "the X-Change-Note kept with it");

const preview = await editor.GET("/api/v1/therapies/{slug}", {
  params: { path: { slug }, query: { preview: true } },
});
expectEqual(preview.data?.summary, summary, "the change, read back");
expectEqual(preview.response.headers.get("ETag"), newEtag, "the ETag, read back");

const stale = await editor.PATCH("/api/v1/therapies/{slug}", {
  params: { path: { slug }, header: { "If-Match": etag } },
  body: { summary: "A change made on a version someone else has already changed." },
});
expectEqual(stale.response.status, 412, "PATCH with a stale If-Match");
expectEqual(stale.data, undefined, "no item for a refused change");
const problem = required(stale.error, "the 412's problem details");
expectEqual(problem.status, 412, "the problem's status");
expectThat(
  (stale.response.headers.get("Content-Type") ?? "").startsWith("application/problem+json"),
  "a 412 is problem+json",
);
const unchanged = await editor.GET("/api/v1/therapies/{slug}", {
  params: { path: { slug }, query: { preview: true } },
});
expectEqual(unchanged.data?.summary, summary, "the stale write changed nothing");

console.log(`typescript client flow: ok (${slug}, version ${version} -> ${version + 1})`);
