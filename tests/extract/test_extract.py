"""Extract: front matter formats, encodings, line endings and typed errors with lines."""

from __future__ import annotations

import codecs
import datetime as dt

import pytest

from pipeline.errors import DuplicateKeyError, EncodingError, FrontMatterError
from pipeline.extract import discover, parse_document, read_document
from pipeline.errors import FileTooLargeError


def test_yaml_front_matter_and_body() -> None:
    raw = parse_document(b"---\ntitle: Hi\nn: 3\n---\n\nBody text\n", "a.md")
    assert raw.fm_format == "yaml"
    assert raw.front_matter == {"title": "Hi", "n": 3}
    assert raw.body == "\nBody text\n"
    assert raw.body_line == 5
    assert raw.key_lines == {"title": 2, "n": 3}


def test_toml_front_matter() -> None:
    raw = parse_document(b'+++\ntitle = "Hi"\ndate = 2025-01-29\n[extra]\nx = 1\n+++\nBody\n',
                         "a.md")
    assert raw.fm_format == "toml"
    assert raw.front_matter == {"title": "Hi", "date": dt.date(2025, 1, 29), "extra": {"x": 1}}
    assert raw.body == "Body\n"
    assert raw.key_lines["date"] == 3


def test_json_front_matter() -> None:
    raw = parse_document(b'{\n  "title": "Hi",\n  "tags": ["a"]\n}\nBody\n', "a.md")
    assert raw.fm_format == "json"
    assert raw.front_matter == {"title": "Hi", "tags": ["a"]}
    assert raw.body == "Body\n"


def test_yaml_dots_closer_and_dashes_in_body() -> None:
    raw = parse_document(b"---\na: 1\n...\ntext\n---\nmore\n", "a.md")
    assert raw.front_matter == {"a": 1}
    assert raw.body == "text\n---\nmore\n"


def test_utf8_bom_and_crlf() -> None:
    data = codecs.BOM_UTF8 + "---\r\ntitle: Café\r\n---\r\nLine 1\r\nLine 2\r\n".encode()
    raw = parse_document(data, "a.md")
    assert raw.bom and raw.encoding == "utf-8" and raw.newline == "\r\n"
    assert raw.front_matter == {"title": "Café"}
    assert raw.body == "Line 1\nLine 2\n"


def test_utf16_with_bom() -> None:
    data = codecs.BOM_UTF16_LE + "---\r\ntitle: Ω\r\n---\r\nx\r\n".encode("utf-16-le")
    raw = parse_document(data, "a.md")
    assert raw.front_matter == {"title": "Ω"} and raw.encoding == "utf-16-le"


def test_no_front_matter() -> None:
    raw = parse_document(b"# Just text\n", "a.md")
    assert raw.front_matter is None and raw.fm_format is None and raw.body == "# Just text\n"


def test_empty_front_matter_is_an_empty_mapping() -> None:
    raw = parse_document(b"---\n# only a comment\n---\nx", "a.md")
    assert raw.front_matter == {} and raw.fm_format == "yaml"


def test_unclosed_front_matter() -> None:
    with pytest.raises(FrontMatterError) as err:
        parse_document(b"---\ntitle: x\nbody\n", "a.md")
    assert err.value.line == 1 and "never closed" in str(err.value)
    assert err.value.path == "a.md"


def test_yaml_syntax_error_carries_file_line() -> None:
    with pytest.raises(FrontMatterError) as err:
        parse_document(b"---\na: 1\nb: [\nc: 2\n---\n", "bad.md")
    assert err.value.line is not None and err.value.line >= 4
    assert str(err.value).startswith("bad.md:")


def test_unquoted_colon_in_title() -> None:
    with pytest.raises(FrontMatterError) as err:
        parse_document(b"---\nid: 1\ntitle: What: is this: thing\n---\n", "c.md")
    assert err.value.line == 3


def test_duplicate_key_names_key_and_both_lines() -> None:
    with pytest.raises(DuplicateKeyError) as err:
        parse_document(b"---\nid: 1\ntitle: a\nid: 2\n---\n", "d.md")
    assert err.value.field == "id" and err.value.line == 4
    assert "line 2" in err.value.message and "line 4" in err.value.message


def test_front_matter_that_is_a_list() -> None:
    with pytest.raises(FrontMatterError, match="list, not a mapping"):
        parse_document(b"---\n- a\n- b\n---\n", "l.md")


def test_python_tag_is_refused_and_runs_nothing() -> None:
    with pytest.raises(FrontMatterError, match="constructor"):
        parse_document(b"---\nx: !!python/object/apply:os.system ['echo hacked']\n---\n", "p.md")


def test_alias_bomb_is_refused() -> None:
    lines = ["---", 'a: &a ["x","x","x","x","x","x","x","x","x"]']
    prev = "a"
    for name in "bcdefghijklmnop":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    lines.append("---")
    with pytest.raises(FrontMatterError, match="alias"):
        parse_document("\n".join(lines).encode(), "bomb.md")


def test_impossible_date_stays_text_for_transform() -> None:
    raw = parse_document(b"---\ndate: 2025-02-30\n---\n", "d.md")
    assert raw.front_matter == {"date": "2025-02-30"}


def test_non_utf8_is_rejected_with_offset() -> None:
    with pytest.raises(EncodingError, match="not UTF-8"):
        parse_document("---\ntitle: caf\u00e9\n---\n".encode("cp1252"), "w.md")


def test_binary_is_rejected() -> None:
    with pytest.raises(EncodingError, match="binary"):
        parse_document(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "x.png")


def test_size_limit_refuses_before_reading(tmp_path) -> None:
    path = tmp_path / "big.md"
    path.write_bytes(b"---\na: 1\n---\n" + b"x" * 1000)
    with pytest.raises(FileTooLargeError):
        read_document(path, "big.md", max_bytes=100)
    assert read_document(path, "big.md", max_bytes=10_000).front_matter == {"a": 1}


def test_block_scalar_keeping_trailing_newlines() -> None:
    raw = parse_document(b"---\nk: |+\n  x\n\n---\n", "k.md")
    assert raw.front_matter == {"k": "x\n\n"}


def test_discover_sorts_large_folders_in_bounded_runs(tmp_path, monkeypatch) -> None:
    """A folder longer than one run is merged from spilled runs into the same name order,
    odd names and subfolders included."""
    import pipeline.extract as extract_module

    names = [f"{i:03d}-{chr(0x3b1 + i % 20)}.md" for i in range(57)] + ["a\nb.md", "Z.md"]
    for name in names:
        (tmp_path / name).write_text("x")
    (tmp_path / "050-sub").mkdir()
    (tmp_path / "050-sub" / "inner.md").write_text("x")
    (tmp_path / ".hidden.md").write_text("x")
    expected = [rel for _, rel in discover([tmp_path])]
    monkeypatch.setattr(extract_module, "LISTING_RUN", 5)
    spilled = [(path, rel) for path, rel in discover([tmp_path])]
    assert [rel for _, rel in spilled] == expected
    top = sorted(names + ["050-sub"])
    assert expected == [f"{n}/inner.md" if n == "050-sub" else n for n in top]
    assert all(path == tmp_path / rel for path, rel in spilled)


def test_unacceptable_character_is_one_line_with_its_line() -> None:
    """PyYAML's reader error spans two lines and counts UTF-8 bytes: the rejection is one line
    naming the file line of the character."""
    import pytest as _pytest

    from pipeline.errors import FrontMatterError
    from pipeline.extract.yaml_loader import load_yaml

    with _pytest.raises(FrontMatterError) as caught:
        load_yaml("a: ééé\nb: x\x07\n", 2)
    assert caught.value.line == 3
    assert "\n" not in str(caught.value)
    assert "unacceptable character #x0007" in str(caught.value)
