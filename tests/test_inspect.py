"""`inspect`: the per-file summary, the streaming inventory, its figures, its table and its JSON.

Figures are checked three ways: exact numbers on the hand-made files in
tests/fixtures/inspect/ (each figure can be counted by eye), numbers recounted independently
with PyYAML on input/, and figures that ../shared/corpora/README.md states for each corpus.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.cli import main
from pipeline.inspect import (
    MAX_DISTINCT,
    MAX_EXAMPLES,
    FileSummary,
    Inventory,
    KeyFact,
    date_shape,
    guess_text_format,
    has_escapes,
    inspect_corpus,
    is_comma_list,
    render_text,
    summarise,
)
from tests.conftest import FIXTURES, INPUT_DIR, SHARED, input_files

INSPECT = FIXTURES / "inspect"
CORPORA = SHARED / "corpora"


def inventory_of(*inputs: Path, workers: int = 1) -> dict[str, Any]:
    """The JSON form of a corpus's inventory."""
    return inspect_corpus(list(inputs), workers=workers).as_dict()


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """Run `inspect --json` and parse its stdout."""
    assert main(["inspect", *argv, "--json", "-q"]) == 0
    return json.loads(capsys.readouterr().out)


# ---------------------------------------------------------------------------------------------
# Traits of single values
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    (r"Line one\nLine two", True),
    (r"a \"quoted\" word", True),
    (r"tab\there", True),
    (r"https:\/\/example.org", True),
    (r"caf\u00e9", True),
    ("a real\nnewline", False),
    (r"C:\Windows\System32", False),
    (r"\u12", False),
    ("no backslash at all", False),
])
def test_escapes(text: str, expected: bool) -> None:
    assert has_escapes(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("dns, resolver, caching, networking", True),
    ("client-server model, peer-to-peer networks, network architecture", True),
    ("a, b", False),  # two items are a phrase, not a list
    (("This content explains the differences between client-server and peer-to-peer network "
     "models, highlighting their architectures, data management styles, and costs."), False),
    ("one,\ntwo,\nthree", False),
])
def test_comma_lists(text: str, expected: bool) -> None:
    assert is_comma_list(text) is expected


@pytest.mark.parametrize("value, shape, fmt", [
    ("Jan 29, 2025", "text", "MMM D, YYYY"),
    ("January 29th, 2025", "text", "MMMM Do, YYYY"),
    ("29 Jan 2025", "text", "D MMM YYYY"),
    ("29/01/2025", "text", "DD/MM/YYYY"),
    ("01/29/2025", "text", "MM/DD/YYYY"),
    ("02/10/2023", "text", "DD/MM/YYYY|MM/DD/YYYY"),
    ("14.03.2024 09:30", "text", "DD.MM.YYYY HH:mm"),
    ("Oct 18, 2024 3:30 PM", "text", "MMM D, YYYY h:mm A"),
    ("2025/01/29", "text", "YYYY/MM/DD"),
    ("2025-01-29", "iso-date-string", None),
    ("2025-01-29T10:00:00", "iso-datetime-string", None),
    ("2019-07-02 10:00:00 -0500", "offset-timestamp-string", None),
    ("2025-01-29T10:00:00+01:00", "offset-timestamp-string", None),
])
def test_date_shapes(value: str, shape: str, fmt: str | None) -> None:
    assert date_shape(value) == (shape, fmt)


def test_typed_dates_and_non_dates() -> None:
    import datetime as dt

    assert date_shape(dt.date(2025, 1, 29)) == ("yaml-date", None)
    assert date_shape(dt.datetime(2025, 1, 29, 10)) == ("yaml-datetime", None)
    aware = dt.datetime(2025, 1, 29, 10, tzinfo=dt.UTC)
    assert date_shape(aware) == ("yaml-datetime-offset", None)
    for value in ("Top 10, 2024", "1.2.3", "version 2", 20250129, "32/13/2025", "Foo 12, 2024"):
        assert date_shape(value) is None, value
    assert guess_text_format("Jan 32, 2025") is None  # shaped like a date, but no date


# ---------------------------------------------------------------------------------------------
# The figures of tests/fixtures/inspect/, counted by eye
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_inventory() -> dict[str, Any]:
    return inventory_of(INSPECT)


def test_file_counts(fixture_inventory: dict[str, Any]) -> None:
    inv = fixture_inventory
    assert inv["files"] == 7
    assert inv["front_matter"] == {"files": 5, "formats": {"yaml": 3, "json": 1, "none": 1,
                                                           "toml": 1}}
    assert inv["unreadable"]["files"] == 1
    assert [e["path"] for e in inv["unreadable"]["examples"]] == ["f-broken.md"]
    assert inv["bodies"] == {"empty": 0, "placeholder": 3, "text": 3, "placeholder_forms": {
        "&nbsp;": 1, "<br>": 1, "<p>&nbsp;</p>": 1}}


def test_key_paths_types_and_examples(fixture_inventory: dict[str, Any]) -> None:
    keys = fixture_inventory["keys"]
    assert keys["id"]["files"] == 4 and keys["id"]["types"] == {"integer": 3, "string": 1}
    assert keys["id"]["examples"] == ["1", "2", "3"]  # first three, in file order
    assert keys["hero"]["types"] == {"mapping": 2}
    assert keys["hero.actions"]["types"] == {"list": 2}
    # List items are `[]`; a key in two items of one file counts that file once.
    assert keys["hero.actions[].text"]["files"] == 2
    assert keys["hero.actions[].text"]["examples"] == ["Start", "Go"]
    assert keys["hero.actions[].link"]["files"] == 1
    assert keys["tags"]["types"] == {"list": 1, "string": 1}
    assert keys["tags[]"]["files"] == 1
    assert keys["seo.keywords"]["files"] == 1
    assert "g-empty-front-matter.md" not in json.dumps(keys)  # an empty block adds no key


def test_traits(fixture_inventory: dict[str, Any]) -> None:
    keys = fixture_inventory["keys"]
    # `\"` in the YAML folded title, `\n` (a literal backslash-n) in the TOML title.
    assert keys["title"]["traits"]["escapes"] == 2
    assert keys["title"]["traits"]["styles"] == {"folded": 1, "plain": 1}  # YAML files only
    assert keys["tags"]["traits"]["comma_list"] == 1
    assert keys["seo.keywords"]["traits"]["comma_list"] == 1
    assert sorted(fixture_inventory["type_varies"]) == ["date", "id", "score", "tags"]
    assert keys["score"]["traits"]["type_varies"] is True
    assert "type_varies" not in keys["title"]["traits"]


def test_date_shapes_and_formats_beside(fixture_inventory: dict[str, Any]) -> None:
    dates = fixture_inventory["keys"]["date"]["traits"]["dates"]
    assert dates["shapes"] == {"text": 2, "yaml-date": 1, "yaml-datetime-offset": 1}
    assert dates["text_formats"] == {"MMM D, YYYY": 1, "DD/MM/YYYY|MM/DD/YYYY": 1}
    # The date_format values seen beside the dates, with the key they were found under.
    assert dates["formats_beside"] == {"date_format": {"DD/MM/YYYY": 2, "MMM DD, YYYY": 1}}
    assert "unreadable" not in dates  # every text date reads with the format beside it


def test_numbered_family(fixture_inventory: dict[str, Any]) -> None:
    family = fixture_inventory["families"]["link"]
    # a-article: link1..link4, link4 empty, link3 repeats link1's id; b-article: link1, link2
    # null.
    assert family["files"] == 2
    assert family["numbers"] == [1, 4] and family["most_in_a_file"] == 4
    assert family["slots"] == 6 and family["empty_slots"] == 2
    assert family["duplicates"] == 1 and family["duplicate_rate"] == 0.25
    assert sorted(family["fields"]) == ["id", "title"]
    assert family["fields"]["id"]["types"] == {"integer": 2}
    # Its member keys are still listed one by one.
    assert fixture_inventory["keys"]["link3.id"]["files"] == 1


def test_unreadable_date_is_counted(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ndate: 31/31/2025\n---\n")
    (tmp_path / "b.md").write_text("---\ndate: Feb 30, 2025\ndate_format: MMM D, YYYY\n---\n")
    (tmp_path / "c.md").write_text("---\ndate: 2025-01-02\ndate_format: MMM D, YYYY\n---\n")
    keys = inventory_of(tmp_path)["keys"]
    # 31/31/2025 is no date at all; Feb 30 is shaped like one but reads with nothing.
    assert keys["date"]["traits"]["dates"]["shapes"] == {"yaml-date": 1}
    assert keys["date"]["types"] == {"date": 1, "string": 2}
    assert guess_text_format("Feb 30, 2025") is None


def test_numbered_scalars_are_no_family(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ninclude1: a.html\ninclude2: b.html\n"
                                   "version2:\n  name: x\n---\n")
    inv = inventory_of(tmp_path)
    assert inv["families"] == {}  # scalars are not slots; one numbered map alone is no family


def test_nested_family_is_named_by_its_path(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\nmeta:\n  link_1: {ref: 1}\n  link_2: {ref: 1}\n  link_3: {ref: 2}\n---\n")
    family = inventory_of(tmp_path)["families"]["meta.link_"]
    # No `id` key: a slot repeats when its whole value does.
    assert family["slots"] == 3 and family["duplicates"] == 1


# ---------------------------------------------------------------------------------------------
# Streaming, bounded, deterministic
# ---------------------------------------------------------------------------------------------


def test_summary_is_a_pure_function_of_bytes_and_path() -> None:
    data = (INSPECT / "a-article.md").read_bytes()
    one, two = summarise(data, "x/a.md"), summarise(data, "x/a.md")
    assert one == two and one.path == "x/a.md" and one.front_matter == "yaml"
    assert one.keys["title"].style == "folded" and one.keys["title"].escapes
    assert summarise(b"---\ntitle: caf\xe9\n---\n", "cp1252.md").error[0] == "encoding"


def test_memory_is_bounded_by_key_paths_not_files() -> None:
    inventory = Inventory()
    for n in range(5000):
        fact = KeyFact({"string"}, example=f"value {n}", date_shape="text",
                       text_format=f"fmt{n}", format_beside=(f"key{n}", f"f{n}"))
        inventory.add(FileSummary(f"{n}.md", "yaml", keys={"k": fact},
                                  body="placeholder", placeholder=f"<p>{n}</p>"))
    stats = inventory.keys["k"]
    assert stats.files == 5000
    assert len(stats.examples) == MAX_EXAMPLES
    assert len(stats.text_formats) == MAX_DISTINCT + 1  # the capped ones plus `(other)`
    assert stats.text_formats["(other)"] == 5000 - MAX_DISTINCT
    assert len(stats.formats_beside) == MAX_DISTINCT
    assert len(inventory.placeholders) == MAX_DISTINCT + 1


def test_merging_partials_equals_adding_file_by_file() -> None:
    summaries = [FileSummary(f"{n}.md", "yaml", keys={"k": KeyFact(
        {"string"}, example=f"e{n % 5}", date_shape="text", text_format=f"fmt{n % 20}")})
        for n in range(200)]
    whole = Inventory()
    for summary in summaries:
        whole.add(summary)
    merged = Inventory()
    for start in range(0, 200, 32):
        partial = Inventory(cap=None)
        for summary in summaries[start:start + 32]:
            partial.add(summary)
        merged.merge(partial)
    assert merged.as_dict() == whole.as_dict()


def test_same_figures_on_any_number_of_workers() -> None:
    one = json.dumps(inventory_of(INPUT_DIR, workers=1), sort_keys=True)
    two = json.dumps(inventory_of(INPUT_DIR, workers=2), sort_keys=True)
    assert one == two


def test_json_output_is_the_same_bytes_every_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(INSPECT), "--json", "-q", "-j", "2"]) == 0
    first = capsys.readouterr().out
    assert main(["inspect", str(INSPECT), "--json", "-q", "-j", "1"]) == 0
    assert capsys.readouterr().out == first
    data = json.loads(first)
    assert list(data) == sorted(data)  # sorted keys
    assert list(data["keys"]) == sorted(data["keys"])


# ---------------------------------------------------------------------------------------------
# input/: figures recounted independently with PyYAML
# ---------------------------------------------------------------------------------------------


def _front_matter(path: Path) -> dict[str, Any]:
    text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_input_figures(capsys: pytest.CaptureFixture[str]) -> None:
    inv = cli_json(capsys, str(INPUT_DIR), "-j", "2")
    docs = [_front_matter(p) for p in input_files()]
    assert inv["files"] == len(docs) == 47
    keys = inv["keys"]
    top = Counter(k for doc in docs for k in doc)
    for key, count in top.items():
        assert keys[key]["files"] == count, key
    assert keys["seo.page_keywords"]["traits"]["comma_list"] == len(docs)
    assert keys["answer"]["traits"]["escapes"] == sum(
        1 for d in docs if "\\n" in d["answer"] or "\\u" in d["answer"])
    assert keys["answer"]["traits"]["styles"] == {"folded": len(docs)}
    formats = Counter(d["date_format"] for d in docs)
    assert keys["date"]["traits"]["dates"]["formats_beside"] == {"date_format": dict(formats)}
    assert sum(keys["date"]["traits"]["dates"]["shapes"].values()) == len(docs)
    assert "date" in inv["type_varies"]
    # The related_article family, recounted slot by slot.
    slots = empty = duplicates = 0
    for doc in docs:
        seen = set()
        for key in sorted((k for k in doc if k.startswith("related_article")),
                          key=lambda k: int(k.removeprefix("related_article"))):
            slots += 1
            if not doc[key]:
                empty += 1
                continue
            duplicates += doc[key]["id"] in seen
            seen.add(doc[key]["id"])
    family = inv["families"]["related_article"]
    assert (family["slots"], family["empty_slots"], family["duplicates"]) == (
        slots, empty, duplicates)
    assert family["files"] == sum(1 for d in docs if any(k.startswith("related_article")
                                                         for k in d))
    assert inv["bodies"]["placeholder"] == 47 and inv["bodies"]["placeholder_forms"] == {
        "&nbsp;": 47}


def test_terminal_table(capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # the last column is cut to the terminal's width
    assert main(["inspect", str(INPUT_DIR), "-q"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("47 files: 47 with front matter (yaml 47), 0 without, 0 unreadable")
    assert "bodies: 0 text, 0 empty, 47 placeholder (&nbsp; 47)" in out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("KEY PATH"))
    assert header.split() == ["KEY", "PATH", "FILES", "TYPES", "TRAITS", "EXAMPLES"]
    answer = next(line for line in lines if line.startswith("answer "))
    assert "escapes 47" in answer and "folded 47" in answer
    # Family members are folded into one row per field.
    assert any(line.startswith("related_article{1..8}.title") for line in lines)
    assert not any(line.startswith("related_article3.") for line in lines)
    family = next(line for line in lines if line.startswith("related_articleN"))
    assert "1..8" in family and "id, subject, title, url" in family
    assert any(line.startswith("date ") and "date_format: MMM DD, YYYY 43" in line
               for line in lines)
    assert "type varies between files: date" in out


def test_render_text_of_an_empty_corpus(tmp_path: Path) -> None:
    text = render_text(inventory_of(tmp_path))
    assert text.startswith("0 files: 0 with front matter (-), 0 without, 0 unreadable")


def test_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["inspect"]) == 2
    assert main(["inspect", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "Error:" in err and "Traceback" not in err
    assert main(["inspect", "--help"]) == 0
    assert "Example:" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# ../shared/corpora: runs on each, and agrees with the figures its README states
# ---------------------------------------------------------------------------------------------

CORPUS_NAMES = ["python-frontmatter", "gray-matter", "jekyll", "hugo-docs", "rust-blog",
                "astro-docs"]


def _need_corpora() -> None:
    if not CORPORA.is_dir():
        pytest.skip(f"{CORPORA} is absent (../shared is not laid beside the project)")


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_inspect_runs_on_each_corpus(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    _need_corpora()
    inv = cli_json(capsys, str(CORPORA / name), "-j", "2")
    files = [p for p in (CORPORA / name).rglob("*") if p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(CORPORA / name).parts)]
    assert inv["files"] == len(files)
    formats = inv["front_matter"]["formats"]
    assert sum(formats.values()) + inv["unreadable"]["files"] == inv["files"]
    assert inv["front_matter"]["files"] == inv["files"] - formats.get("none", 0) \
        - inv["unreadable"]["files"]
    assert main(["inspect", str(CORPORA / name), "-q"]) == 0
    assert f"{inv['files']} files:" in capsys.readouterr().out


def test_corpus_figures_from_their_readme(capsys: pytest.CaptureFixture[str]) -> None:
    _need_corpora()
    hugo = cli_json(capsys, str(CORPORA / "hugo-docs"))
    assert hugo["front_matter"]["formats"]["yaml"] == 992
    assert hugo["keys"]["linkTitle"]["files"] == 121
    assert hugo["keys"]["_comment"]["files"] == 45
    # "the same key as a quoted string in 6 files and an unquoted date in 6 others"
    assert hugo["keys"]["expiryDate"]["types"] == {"date": 6, "string": 6}
    assert "expiryDate" in hugo["type_varies"]
    rust = cli_json(capsys, str(CORPORA / "rust-blog"))
    assert rust["front_matter"]["formats"]["toml"] == 358
    assert rust["keys"]["path"]["files"] == 354
    assert rust["keys"]["extra"]["files"] == 269
    astro = cli_json(capsys, str(CORPORA / "astro-docs"))
    # "`tableOfContents` is a bool in 9 files and a map in 21"
    assert astro["keys"]["tableOfContents"]["types"] == {"boolean": 9, "mapping": 21}
    assert astro["keys"]["hero.actions[].text"]["files"] > 0
    # "`|` block scalars holding HTML (`banner.content`)": the README's count (68) is not
    # what this copy holds, so recount the files with a `content: |` under `banner:`.
    banners = sum(1 for p in (CORPORA / "astro-docs").rglob("*.mdx")
                  if re.search(r"^banner:\n\s+content: \|", p.read_text(encoding="utf-8"),
                               re.MULTILINE))
    assert banners > 0
    assert astro["keys"]["banner.content"]["traits"]["styles"] == {"literal": banners}
    jekyll = cli_json(capsys, str(CORPORA / "jekyll"))
    # "`version: 3.0` is a float while 89 other files have string versions"
    assert jekyll["keys"]["version"]["types"] == {"string": 89, "number": 1}
    # "110 docs/_posts dates use -0500-style offsets, which PyYAML leaves as strings", one of
    # them malformed (`2023-01-29 18:30:22 2023 -0800`), which no date shape reads.
    shapes = jekyll["keys"]["date"]["traits"]["dates"]["shapes"]
    assert shapes["offset-timestamp-string"] == 109
    assert jekyll["unreadable"]["files"] == 1  # `bad yaml: [`
