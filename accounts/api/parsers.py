"""The API's JSON parser: DRF's, refusing documents nested deeper than any request needs.

Python's JSON decoder recurses once per level, so ten thousand ``[`` end in a
RecursionError (a 500), and a document just shallow enough to be read would be walked
recursively again by whatever handles it next. Nothing Tandem reads nests more than a
few levels (a list of people, each an object), so a deeper document is refused with 400.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 20
TOO_DEEP = f"JSON parse error - the document is nested more than {MAX_DEPTH} levels deep."


def _depth(data) -> int:
    """How many levels of lists and objects ``data`` has, counted without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            stack.extend((item, depth + 1) for item in value)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if _depth(data) > MAX_DEPTH:
            raise ParseError(TOO_DEEP)
        return data
