"""The JSON-escape decoder: exact once-only decoding, invalid escapes left alone."""

from __future__ import annotations

import json

from hypothesis import given, strategies as st

from pipeline.transform.escapes import decode_escapes


def test_each_json_escape() -> None:
    assert decode_escapes(r"a\nb") == "a\nb"
    assert decode_escapes(r"a\r\nb") == "a\r\nb"
    assert decode_escapes(r"col\tcol") == "col\tcol"
    assert decode_escapes(r"say \"hi\"") == 'say "hi"'
    assert decode_escapes(r"back\\slash") == "back\\slash"
    assert decode_escapes(r"a\/b") == "a/b"
    assert decode_escapes(r"caf\u00e9") == "café"
    assert decode_escapes(r"\ud83d\ude00") == "\U0001F600"


def test_escaped_backslash_n_stays_literal() -> None:
    # `\\n` is an escaped backslash followed by `n`: never a newline.
    assert decode_escapes(r'printf(\"hello\\n\")') == 'printf("hello\\n")'
    assert "\n" not in decode_escapes(r"\\n")


def test_unknown_escape_is_untouched() -> None:
    assert decode_escapes(r"\x41 \q \$") == "\\x41 \\q \\$"
    # \b and \f are JSON escapes but LaTeX in answers uses them: they stay (see escapes.py).
    assert decode_escapes(r"$\frac{a}{b} + \beta$") == "$\\frac{a}{b} + \\beta$"
    assert decode_escapes(r"C:\Users\me") == "C:\\Users\\me"
    assert decode_escapes(r"\u12") == "\\u12"  # too short for \uXXXX


def test_lone_surrogate_is_kept_as_text() -> None:
    assert decode_escapes(r"x\ud83dy") == "x\\ud83dy"


def test_decoding_happens_once() -> None:
    once = decode_escapes(r"\\\\n")
    assert once == "\\\\n"
    assert decode_escapes(once) == "\\n"  # a second pass would change it: we only do one


def test_text_without_backslash_is_returned_as_is() -> None:
    text = "plain text, 東京"
    assert decode_escapes(text) is text


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                      blacklist_characters="\b\f")))
def test_decodes_what_json_encodes(text: str) -> None:
    """Property: the decoder inverts the legacy exporter (json.dumps) on any text.

    Backspace and form feed are left out: their escapes are deliberately not decoded.
    """
    for ensure_ascii in (True, False):
        encoded = json.dumps(text, ensure_ascii=ensure_ascii)[1:-1]
        assert decode_escapes(encoded) == text
        # PHP's json_encode also escapes slashes.
        assert decode_escapes(encoded.replace("/", "\\/")) == text


@given(st.text(alphabet=st.characters(blacklist_characters="\\")))
def test_identity_without_backslashes(text: str) -> None:
    assert decode_escapes(text) == text
