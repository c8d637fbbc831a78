"""Plain-text helpers: cleaning scraped source documents, making slugs and sort keys."""

import re
import unicodedata

from slugify import slugify as transliterated_slug

# Lines that scraped pages append after the article itself.
FOOTER_LINES = ("Similar Posts",)

# An underscore between two letters or digits joins words that should be apart
# ("checkpoint_inhibitors"); `[^\W_]` is a word character other than the underscore.
_JOINED_WORDS = re.compile(r"(?<=[^\W_])_(?=[^\W_])")


def clean_source_text(raw: str, noise_phrases: tuple[str, ...] | list[str] = ()) -> str:
    """Return the readable text of a scraped document, one paragraph per non-empty line.

    The cleaning removes only noise, never wording:
    - a noise phrase (a title the scraper pasted again and again) standing alone on a line,
      at the start of a line before a space or at its end after one; matched case-sensitively,
      so the same words inside a sentence stay;
    - underscores joining two words ("checkpoint_inhibitors" becomes "checkpoint inhibitors");
    - footer lines such as "Similar Posts" after the last paragraph;
    - white space at line ends and runs of blank lines: paragraphs are separated by one blank line.
    """
    paragraphs = []
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip()
        for phrase in noise_phrases:
            line = _strip_phrase(line, phrase)
        line = _JOINED_WORDS.sub(" ", line)
        if line:
            paragraphs.append(line)
    while paragraphs and paragraphs[-1] in FOOTER_LINES:
        paragraphs.pop()
    return "\n\n".join(paragraphs)


def _strip_phrase(line: str, phrase: str) -> str:
    changed = True
    while changed:
        changed = False
        if line == phrase:
            return ""
        if line.startswith(phrase + " "):
            line = line[len(phrase) + 1 :].lstrip()
            changed = True
        if line.endswith(" " + phrase):
            line = line[: -len(phrase) - 1].rstrip()
            changed = True
    return line


def slugify(text: str) -> str:
    """Lowercase ASCII letters, digits and single hyphens, transliterated from any script:
    "CAR T-cell therapy" -> "car-t-cell-therapy", "免疫療法" -> "mian-yi-liao-fa". Empty when
    nothing usable remains ("!!!")."""
    return transliterated_slug(text, max_length=120)


def sort_key(text: str) -> str:
    """What a title sorts by: case-folded, without accents ("CAR T-cell therapy" ->
    "car t-cell therapy", "Sjögren's" -> "sjogren's"), compared character by character. Kept in
    the database beside the title, so that both databases sort alike and an index serves the order."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
