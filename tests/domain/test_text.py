"""Cleaning scraped source text: the noise goes, the wording stays."""

from service.domain.text import clean_source_text, slugify


def test_noise_phrase_is_removed_alone_at_line_starts_and_ends():
    raw = "The use\nThe use Immunotherapy helps. The use\nIt works. The use\n"
    assert clean_source_text(raw, ["The use"]) == "Immunotherapy helps.\n\nIt works."


def test_noise_phrase_inside_a_sentence_stays():
    raw = "Overall, immunotherapy works on the basis of empowering the immune system.\n"
    cleaned = clean_source_text(raw, ["Immunotherapy works on the basis of"])
    assert cleaned == raw.strip()


def test_words_joined_by_underscores_are_parted():
    assert clean_source_text("Another approach is checkpoint_inhibitors, which help.") == (
        "Another approach is checkpoint inhibitors, which help."
    )


def test_footer_and_runs_of_blank_lines_are_dropped():
    raw = "First.\n\n\n\n  Second.  \n\nSimilar Posts"
    assert clean_source_text(raw) == "First.\n\nSecond."


def test_slugify_makes_lowercase_hyphenated_ascii():
    assert slugify("CAR T-cell therapy") == "car-t-cell-therapy"
    assert slugify("  What is immunotherapy?  ") == "what-is-immunotherapy"
    assert slugify("Körper’s “brakes”") == "korpers-brakes"
