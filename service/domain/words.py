"""Words as search sees them: folded, split, stemmed, the same for the index and for queries.

A word is a run of letters and digits; hyphens join words into one (`PD-1`, `HER2-positive`,
`T-cell`). A joined word is found by its parts and by the parts run together, so `PD1` finds
`PD-1`. Stems are Snowball's English stems, as PostgreSQL's `english` configuration makes them.
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# PostgreSQL's English stop words (its `english.stop`), and the words of a question that say
# nothing about what is asked: they are not indexed and never have to match.
_STOP_WORDS = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
    her hers herself it its itself they them their theirs themselves what which who whom this that
    these those am is are was were be been being have has had having do does did doing a an the
    and but if or because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such no nor not
    only own same so than too very s t can will just don should now
    whats hows get gets got would could may might must also dont doesnt didnt isnt arent cant wont
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

# A word, hyphens joining its parts; apostrophes inside it are dropped ("patient's" -> "patients").
_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")
_PARTS = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_APOSTROPHES = re.compile(r"['\u2019]")
_HYPHENS = re.compile(r"[\u2010\u2011\u2012\u2013]")
_stemmer = snowballstemmer.stemmer("english")


@dataclass(frozen=True)
class Word:
    """One word of a text: where it stands, as written, and what it is found by."""

    start: int
    end: int
    text: str  # folded: lower case, accents dropped, apostrophes gone
    parts: tuple[str, ...]

    @property
    def meaningful(self) -> bool:
        return not all(part in STOP_WORDS for part in self.parts)

    @property
    def stem(self) -> str:
        """The word's own term: its stem, or for a joined word the stem of its parts run together."""
        return stem("".join(self.parts))

    @property
    def part_stems(self) -> tuple[str, ...]:
        return tuple(stem(part) for part in self.parts if part not in STOP_WORDS)


def fold(text: str) -> str:
    """Lower case, without accents ("Sjögren" -> "sjogren"); every other character kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> Iterator[Word]:
    """The words of a text, each with its place in the text as given."""
    for match in _WORD.finditer(_HYPHENS.sub("-", text)):
        raw = match.group()
        if raw.isascii() and raw.isalnum():
            # Most words: nothing to fold but case, nothing to split.
            yield Word(match.start(), match.end(), raw.lower(), (raw.lower(),))
            continue
        written = _APOSTROPHES.sub("", fold(raw))
        # Folding may split a character in two ("ﬁ" -> "fi"); the place stays the original's.
        for folded in _PARTS.findall(written):
            yield Word(match.start(), match.end(), folded, tuple(folded.split("-")))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def terms(word: Word) -> set[str]:
    """What the index finds a word by: its meaningful parts' stems, and a joined word's own term."""
    found = set(word.part_stems)
    if len(word.parts) > 1 and word.meaningful:
        found.add(word.stem)
    return found
