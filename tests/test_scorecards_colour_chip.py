"""The colour chip every scorecard view draws: symbol and name as text, never colour alone."""

from django.template import Context, Template

from scorecards.models import Colour


def chip(source: str, **context) -> str:
    return Template("{% load colours %}" + source).render(Context(context))


def test_a_colour_shows_its_symbol_and_its_name():
    html = chip("{% colour_chip colour %}", colour=Colour.LIGHT_GREEN)
    symbol = Colour.LIGHT_GREEN.symbol
    assert html == (f'<span class="chip colour-4"><span class="chip-symbol" aria-hidden="true">{symbol}</span>'
                    " Light Green</span>")


def test_a_stored_number_is_read_as_its_colour_and_the_small_chip_says_so():
    assert chip("{% colour_chip 1 small=True %}").startswith('<span class="chip colour-1 chip-small">')
    assert "Bright Red" in chip("{% colour_chip 1 small=True %}")


def test_no_colour_says_what_is_missing_in_the_words_given():
    assert chip("{% colour_chip None %}").endswith("</span> Not rated</span>")
    assert chip('{% colour_chip None empty="Not submitted" %}').endswith("</span> Not submitted</span>")
    assert "&lt;b&gt;" in chip("{% colour_chip None empty=words %}", words="<b>")
