"""Decode the JSON string escapes the legacy exporter left inside YAML scalars, exactly once.

Hand-written because `json.loads('"' + s + '"')` fails on the whole string as soon as one
backslash starts no valid escape (legacy text is full of those), while the contract says such a
backslash stays as it is and only the valid escapes are decoded.
"""

from __future__ import annotations

import re

# The escapes DESIGN.md lists. JSON's `\b` and `\f` are left out on purpose: a backspace or form
# feed never occurs in Q&A text, while LaTeX such as `\frac` and `\beta` does, and decoding
# those two would corrupt it. (The same risk for `\n`/`\t` in `\nabla`/`\theta` cannot be
# avoided: those escapes are how the exporter wrote every newline and tab.)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "/": "/"}

# One left-to-right pass: `\\` is consumed as a unit before the `n` after it can be seen, so
# `\\n` decodes to a backslash followed by `n`. A surrogate pair is matched before a single \u.
_ESCAPE = re.compile(
    r"\\(?:u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
    r"|u([0-9a-fA-F]{4})|([nrt\"\\/]))"
)


def _replace(match: re.Match[str]) -> str:
    """Return the text one escape stands for."""
    high, low, single, simple = match.groups()
    if simple is not None:
        return _SIMPLE[simple]
    if high is not None:
        code = 0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00)
        return chr(code)
    code = int(single, 16)
    if 0xD800 <= code <= 0xDFFF:
        # A lone surrogate cannot be written as UTF-8; keep the escape text as it was.
        return match.group(0)
    return chr(code)


def decode_escapes(text: str) -> str:
    """Decode JSON string escapes in `text`; a backslash that starts no valid escape is kept."""
    if "\\" not in text:
        return text
    return _ESCAPE.sub(_replace, text)
