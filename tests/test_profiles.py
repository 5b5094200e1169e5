"""Source profiles are validated on load: a bad one is an error naming the key and its line.

Each bad profile is the shipped default profile with one mistake a user could make while
editing it; the error must point at that mistake (key path and line), and `migrate` must exit
with code 2 and one `Error: ...` line on stderr, writing nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.defaults import PROFILES_DIR, available
from pipeline.transform.profile import load_profile, parse_profile
from tests.conftest import FIXTURES, SEED

DEFAULT = (PROFILES_DIR / "default.yaml").read_text(encoding="utf-8")

# (name, text replaced in default.yaml, replacement, key path named, words in the message)
BAD = [
    ("unknown field name", "  author: {from: author, type: string}",
     "  writer: {from: author, type: string}", "fields.writer", "'writer' is not one of"),
    ("unknown field option", "  author: {from: author, type: string}",
     "  author: {from: author, type: string, escpaed: true}", "fields.author.escpaed",
     "'escpaed' was unexpected"),
    ("unknown related field", "    subject: {from: subject, type: string}",
     "    topic: {from: subject, type: string}", "related.fields.topic",
     "'topic' is not one of"),
    ("unknown top-level key", "shape: article", "shape: article\nsource: legacy",
     "source", "'source' was unexpected"),
    ("wrong field type", "  score: {from: score, type: number}",
     "  score: {from: score, type: float}", "fields.score.type", "'float' is not one of"),
    ("escaped is not a boolean",
     "  answer: {from: answer, type: string, escaped: true, html: auto}",
     "  answer: {from: answer, type: string, escaped: maybe, html: auto}",
     "fields.answer.escaped", "is not of type 'boolean'"),
    ("html is not true, false or auto",
     "  answer: {from: answer, type: string, escaped: true, html: auto}",
     "  answer: {from: answer, type: string, escaped: true, html: maybe}",
     "fields.answer.html", "is not one of"),
    ("field without from", "  url: {from: url, type: string}", "  url: {type: string}",
     "fields.url", "'from' is a required property"),
    ("formats not a list", ('  formats: ["YYYY-MM-DD HH:mm:ss Z", "YYYY-MM-DD HH:mm Z", '
     '"MMM D, YYYY", "MMMM D, YYYY"]'), '  formats: "MMM D, YYYY"', "dates.formats",
     "is not of type 'array'"),
    ("bad timezone name", '  timezone: "+00:00"', '  timezone: "CET"', "dates.timezone",
     "does not match"),
    ("timezone out of range", '  timezone: "+00:00"', '  timezone: "+25:99"',
     "dates.timezone", "not a UTC offset: '+25:99'"),
    # Unquoted, YAML 1.1 reads +10:00 as the base-60 integer 600.
    ("unquoted timezone", '  timezone: "+00:00"', "  timezone: +10:00", "dates.timezone",
     "600 is not of type 'string'"),
    ("YAML syntax: unclosed flow mapping", "  url: {from: url, type: string}",
     "  url: {from: url, type: string", "fields.url", "not valid YAML"),
    ("YAML syntax: unclosed flow sequence", "    subject: {from: subject, type: string}",
     "    subject: [from: subject, type: string", "related.fields.subject", "not valid YAML"),
    ("YAML syntax: tab indentation", "  author: {from: author, type: string}",
     "\tauthor: {from: author, type: string}", "fields.author", "not valid YAML"),
]


def _bad(old: str, new: str) -> tuple[str, int]:
    """The default profile with one whole line replaced, and the line of the mistake."""
    lines = DEFAULT.splitlines()
    assert lines.count(old) == 1, old
    at = lines.index(old)
    added = new.splitlines()
    text = "\n".join(lines[:at] + added + lines[at + 1:]) + "\n"
    # The mistake is the last line of a replacement that adds a line after the old one.
    return text, at + len(added)


@pytest.mark.parametrize("name, old, new, key, words", BAD, ids=[b[0] for b in BAD])
def test_bad_profile_names_key_and_line(name: str, old: str, new: str, key: str,
                                        words: str) -> None:
    text, line = _bad(old, new)
    with pytest.raises(ConfigError) as caught:
        parse_profile(text, "bad.yaml")
    err = caught.value
    assert (err.path, err.line, err.field) == ("bad.yaml", line, key), str(err)
    assert words in err.message
    assert str(err).startswith(f"bad.yaml:{line}: {key}: ")


@pytest.mark.parametrize("name, old, new, key, words", BAD[:3] + BAD[8:12],
                         ids=[b[0] for b in BAD[:3] + BAD[8:12]])
def test_migrate_with_bad_profile_exits_2(name: str, old: str, new: str, key: str, words: str,
                                          tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    text, line = _bad(old, new)
    profile = tmp_path / "bad.yaml"
    profile.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["migrate", str(SEED), "--profile", str(profile), "--out", str(out), "-q"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith(f"Error: {profile}:{line}: {key}: ")
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert not out.exists()  # nothing written
    assert main(["validate", str(SEED), "--profile", str(profile), "-q"]) == 2


def test_profile_that_is_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must be a mapping") as caught:
        parse_profile("- name: x\n", "list.yaml")
    assert caught.value.line == 1


def test_missing_profile_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["migrate", str(SEED), "--profile", str(tmp_path / "nope.yaml"), "-q",
                 "--out", str(tmp_path / "out")])
    assert code == 2
    assert "Error: profile file not found" in capsys.readouterr().err


@pytest.mark.parametrize("name", available())
def test_shipped_profiles_are_valid(name: str) -> None:
    assert load_profile(name).name == name


def test_second_cms_profile_is_valid() -> None:
    profile = parse_profile((FIXTURES / "othercms.profile.yaml").read_text(encoding="utf-8"),
                            "othercms.profile.yaml")
    assert profile.related_family == "links_" and profile.date_format_from is None
