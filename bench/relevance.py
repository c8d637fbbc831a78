"""`make search-eval`: how well search answers what people type, scored on judged queries.

Every query of bench/judged-queries.yaml goes through GET /api/v1/search (page_size=10) of the
real app, with its response cache off, on a throwaway database migrated and seeded as the tests'
template is: a SQLite file always, and a database made for the run on the PostgreSQL server of
--postgres-url or SEARCH_EVAL_POSTGRES_URL (dropped afterwards). Per database:

- success@3: the share of queries with a right answer among the first 3 hits;
- MRR@10: the mean of 1/rank of the first right answer in the first 10 hits (0 if none);
- zero-result rate: the share of queries that find nothing at all;
- success@3 per category, and each failing query with its first 3 hits.

It prints Markdown, writes JSON to instance/relevance.json and exits 1 when a database misses a
target (success@3 >= 0.9, MRR@10 >= 0.8, zero-result rate <= 0.03), unless --no-fail.
tests/test_relevance.py calls `evaluate(client)` with the suite's own client.

    .venv/bin/python bench/relevance.py [--postgres-url URL] [--default-postgres-url URL]
                                        [--output PATH] [--no-fail]
"""

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa
import yaml
from flask.testing import FlaskClient
from sqlalchemy.exc import DBAPIError

from service.domain.content import SEARCHABLE_KINDS
from service.domain.database import wait_for_database
from service.settings import _normalize_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

JUDGED_QUERIES = Path(__file__).with_name("judged-queries.yaml")
CATEGORIES = ("keyword", "question", "typo", "spelling", "prefix", "brand", "lay", "notation")
# The content types search finds: therapy, mechanism, indication, faq.
TYPES = tuple(SEARCHABLE_KINDS)
PAGE_SIZE = 10


@dataclass(frozen=True)
class Targets:
    success_at_3: float = 0.9
    mrr_at_10: float = 0.8
    zero_result_rate: float = 0.03


TARGETS = Targets()


class JudgedSetError(ValueError):
    """The judged set is malformed: an entry lacks a field, or names an unknown category or type."""


@dataclass(frozen=True)
class JudgedQuery:
    query: str
    category: str
    relevant: tuple[str, ...]
    note: str | None = None


def load_judged_queries(path: Path = JUDGED_QUERIES) -> list[JudgedQuery]:
    """The judged set, each entry's shape checked (whether its items exist is the test's to check)."""
    entries = yaml.safe_load(path.read_text())
    if not isinstance(entries, list):
        raise JudgedSetError(f"{path.name}: a list of queries is expected")
    judged = []
    for number, entry in enumerate(entries, 1):
        where = f"{path.name}, entry {number}"
        if not isinstance(entry, dict) or not {"query", "category", "relevant"} <= set(entry):
            raise JudgedSetError(f"{where}: query, category and relevant are required")
        if unknown := set(entry) - {"query", "category", "relevant", "note"}:
            raise JudgedSetError(f"{where}: unknown fields {sorted(unknown)}")
        if not isinstance(entry["query"], str) or not entry["query"].strip():
            raise JudgedSetError(f"{where}: the query must be text")
        if entry["category"] not in CATEGORIES:
            raise JudgedSetError(f"{where}: category {entry['category']!r} is not one of {CATEGORIES}")
        relevant = entry["relevant"]
        if not isinstance(relevant, list) or not relevant:
            raise JudgedSetError(f"{where}: relevant must list at least one type/slug")
        for item in relevant:
            kind, _, slug = str(item).partition("/")
            if kind not in TYPES or not slug:
                raise JudgedSetError(f"{where}: {item!r} is not type/slug with a type of {TYPES}")
        judged.append(JudgedQuery(entry["query"], entry["category"], tuple(relevant), entry.get("note")))
    return judged


@dataclass(frozen=True)
class Outcome:
    """One query's first hits (type/slug, best first) against its right answers."""

    judged: JudgedQuery
    hits: tuple[str, ...]

    @property
    def first_relevant_rank(self) -> int | None:
        return next((rank for rank, hit in enumerate(self.hits, 1) if hit in self.judged.relevant), None)

    @property
    def success_at_3(self) -> bool:
        rank = self.first_relevant_rank
        return rank is not None and rank <= 3

    @property
    def reciprocal_rank(self) -> float:
        rank = self.first_relevant_rank
        return 1 / rank if rank is not None and rank <= PAGE_SIZE else 0.0


@dataclass(frozen=True)
class Scores:
    outcomes: tuple[Outcome, ...]

    @property
    def success_at_3(self) -> float:
        return _mean([outcome.success_at_3 for outcome in self.outcomes])

    @property
    def mrr_at_10(self) -> float:
        return _mean([outcome.reciprocal_rank for outcome in self.outcomes])

    @property
    def zero_result_rate(self) -> float:
        return _mean([not outcome.hits for outcome in self.outcomes])

    def success_at_3_by_category(self) -> dict[str, tuple[float, int]]:
        """Per category in the set: (success@3, number of queries)."""
        found = {}
        for category in CATEGORIES:
            outcomes = [outcome for outcome in self.outcomes if outcome.judged.category == category]
            if outcomes:
                found[category] = (_mean([outcome.success_at_3 for outcome in outcomes]), len(outcomes))
        return found

    def failures(self) -> list[Outcome]:
        """The queries without a right answer among the first 3 hits."""
        return [outcome for outcome in self.outcomes if not outcome.success_at_3]

    def missed_targets(self, targets: Targets = TARGETS) -> list[str]:
        missed = []
        if self.success_at_3 < targets.success_at_3:
            missed.append(f"success@3 {self.success_at_3:.3f} < {targets.success_at_3}")
        if self.mrr_at_10 < targets.mrr_at_10:
            missed.append(f"MRR@10 {self.mrr_at_10:.3f} < {targets.mrr_at_10}")
        if self.zero_result_rate > targets.zero_result_rate:
            missed.append(f"zero-result rate {self.zero_result_rate:.3f} > {targets.zero_result_rate}")
        return missed

    def as_json(self) -> dict:
        return {
            "queries": len(self.outcomes),
            "success_at_3": round(self.success_at_3, 4),
            "mrr_at_10": round(self.mrr_at_10, 4),
            "zero_result_rate": round(self.zero_result_rate, 4),
            "success_at_3_by_category": {
                category: {"success_at_3": round(score, 4), "queries": count}
                for category, (score, count) in self.success_at_3_by_category().items()
            },
            "missed_targets": self.missed_targets(),
            "results": [
                {
                    "query": outcome.judged.query,
                    "category": outcome.judged.category,
                    "relevant": list(outcome.judged.relevant),
                    "hits": list(outcome.hits),
                    "first_relevant_rank": outcome.first_relevant_rank,
                }
                for outcome in self.outcomes
            ],
        }


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def evaluate(client: FlaskClient, judged: Sequence[JudgedQuery] | None = None) -> Scores:
    """Every judged query (the whole set unless given) through the app's search, scored."""
    outcomes = []
    for query in judged if judged is not None else load_judged_queries():
        response = client.get("/api/v1/search", query_string={"q": query.query, "page_size": PAGE_SIZE})
        if response.status_code != 200:
            raise RuntimeError(
                f"search for {query.query!r} answered {response.status_code}: {response.data!r}"
            )
        hits = tuple(f"{hit['type']}/{hit['slug']}" for hit in response.json)
        outcomes.append(Outcome(query, hits))
    return Scores(tuple(outcomes))


# --- The command ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SEARCH_EVAL_POSTGRES_URL") or None,
        help="also score on PostgreSQL: a server where the user may create databases (a throwaway "
        "one is made beside this URL's database); default: SEARCH_EVAL_POSTGRES_URL",
    )
    parser.add_argument(
        "--default-postgres-url",
        help="the server to use when neither --postgres-url nor SEARCH_EVAL_POSTGRES_URL names one, "
        "if it answers (skipped, and said so, if not)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "instance" / "relevance.json")
    parser.add_argument(
        "--no-fail", action="store_true", help="only report: exit 0 even if a target is missed"
    )
    args = parser.parse_args()

    postgres_url = args.postgres_url
    if postgres_url is None and args.default_postgres_url:
        if answers(args.default_postgres_url):
            postgres_url = args.default_postgres_url
        else:
            print(f"PostgreSQL does not answer at {args.default_postgres_url}: SQLite only.", file=sys.stderr)

    judged = load_judged_queries()
    results = {"sqlite": on_throwaway_database(None, judged)}
    if postgres_url:
        results["postgresql"] = on_throwaway_database(postgres_url, judged)

    print(report(results, len(judged)))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "judged_queries": str(JUDGED_QUERIES.relative_to(ROOT)),
                "page_size": PAGE_SIZE,
                "targets": asdict(TARGETS),
                "databases": {name: scores.as_json() for name, scores in results.items()},
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nJSON: {args.output}")
    missed = any(scores.missed_targets() for scores in results.values())
    return 1 if missed and not args.no_fail else 0


def on_throwaway_database(postgres_url: str | None, judged: Sequence[JudgedQuery]) -> Scores:
    """The judged set scored on a new database, migrated and seeded as the tests' template is, then
    dropped: a SQLite file, or a database on the PostgreSQL server of `postgres_url`."""
    # The tests' own ways of making the app and throwaway databases (ROOT is on the path by now).
    from tests.apps import app_on, make_app, upgrade_and_seed
    from tests.databases import PostgresDatabases, SqliteDatabases

    with tempfile.TemporaryDirectory(prefix="search-eval-") as folder:
        databases = PostgresDatabases(postgres_url) if postgres_url else SqliteDatabases(Path(folder))
        url = databases.empty()
        try:
            upgrade_and_seed(make_app(url))
            with app_on(url, response_cache_entries=0) as app:
                return evaluate(app.test_client(), judged)
        finally:
            databases.drop(url)


def answers(server_url: str) -> bool:
    """Whether a PostgreSQL server answers at the URL, asked once."""
    engine = sa.create_engine(
        _normalize_database_url(server_url), poolclass=sa.NullPool, connect_args={"connect_timeout": 3}
    )
    try:
        wait_for_database(engine, 0)
        return True
    except DBAPIError:
        return False
    finally:
        engine.dispose()


def report(results: dict[str, Scores], count: int) -> str:
    """Markdown: the scores against the targets, success@3 per category, and the failing queries."""
    mark = {True: "", False: " ✗"}
    lines = [
        f"## Search relevance: {count} judged queries ({JUDGED_QUERIES.relative_to(ROOT)})",
        "",
        "| database | success@3 | MRR@10 | zero-result |",
        "| --- | ---: | ---: | ---: |",
        f"| target | ≥ {TARGETS.success_at_3:.2f} | ≥ {TARGETS.mrr_at_10:.2f} "
        f"| ≤ {TARGETS.zero_result_rate:.2f} |",
    ]
    for name, scores in results.items():
        lines.append(
            f"| {name} "
            f"| {scores.success_at_3:.2f}{mark[scores.success_at_3 >= TARGETS.success_at_3]} "
            f"| {scores.mrr_at_10:.2f}{mark[scores.mrr_at_10 >= TARGETS.mrr_at_10]} "
            f"| {scores.zero_result_rate:.2f}{mark[scores.zero_result_rate <= TARGETS.zero_result_rate]} |"
        )
    names = list(results)
    lines += [
        "",
        "success@3 by category:",
        "",
        "| category | queries | " + " | ".join(names) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in names) + " |",
    ]
    by_category = {name: scores.success_at_3_by_category() for name, scores in results.items()}
    for category, (_score, queries) in by_category[names[0]].items():
        cells = " | ".join(f"{by_category[name][category][0]:.2f}" for name in names)
        lines.append(f"| {category} | {queries} | {cells} |")
    if len(names) > 1:
        differing = _differing_answers(results)
        lines += [
            "",
            f"Queries answered differently by {' and '.join(names)} (first 10 hits): {len(differing)}",
        ]
        lines += [f"- `{query}`" for query in differing]
    for name, scores in results.items():
        failures = scores.failures()
        lines += ["", f"Failing queries on {name} ({len(failures)}): no right answer in the first 3 hits", ""]
        for outcome in failures:
            top = ", ".join(outcome.hits[:3]) or "no hits"
            rank = outcome.first_relevant_rank
            found = f"; first right answer at {rank}" if rank else ""
            lines.append(
                f"- `{outcome.judged.query}` ({outcome.judged.category}): got {top}{found}; "
                f"wanted {', '.join(outcome.judged.relevant)}"
            )
    return "\n".join(lines)


def _differing_answers(results: dict[str, Scores]) -> list[str]:
    """The queries whose hits are not the same, in the same order, on every database."""
    hits = [
        {outcome.judged.query: outcome.hits for outcome in scores.outcomes} for scores in results.values()
    ]
    return [query for query in hits[0] if any(other[query] != hits[0][query] for other in hits[1:])]


if __name__ == "__main__":
    sys.exit(main())
