"""`init-profile`: a commented draft profile from a corpus, `--update` keeping the user's edits,
and a second, imaginary CMS (tests/fixtures/othercms/) migrated with a profile alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main
from pipeline.transform.profile import FieldRule, Profile, load_profile, parse_profile
from tests.conftest import FIXTURES, INPUT_DIR, SHARED

OTHER = FIXTURES / "othercms"
OTHER_PROFILE = FIXTURES / "othercms.profile.yaml"
OTHER_EXPECTED = FIXTURES / "othercms.expected.jsonl"


def draft_text(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run init-profile and return the YAML it printed."""
    assert main(["init-profile", *argv, "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def rules(items: tuple[FieldRule, ...]) -> dict[str, tuple[Any, ...]]:
    """Field rules by target: (from, type, escaped, required, split)."""
    return {r.target: (r.source, r.type, r.escaped, r.required, r.split) for r in items}


def same_mapping(draft: Profile, shipped: Profile) -> None:
    """Assert two profiles map the legacy format the same way, field by field."""
    assert draft.shape == shipped.shape
    assert rules(draft.fields) == rules(shipped.fields)
    assert draft.related_family == shipped.related_family
    assert rules(draft.related_fields) == rules(shipped.related_fields)
    assert draft.date_format_from == shipped.date_format_from
    assert draft.slug_from == shipped.slug_from
    assert draft.placeholders == shipped.placeholders


def migrate_jsonl(inputs: Path, profile: str, out: Path) -> bytes:
    """Migrate to JSONL only and return the bytes of articles.jsonl."""
    assert main(["migrate", str(inputs), "--profile", profile, "--out", str(out),
                 "--format", "jsonl", "-q"]) == 0
    return (out / "articles.jsonl").read_bytes()


# ---------------------------------------------------------------------------------------------
# The seed's CMS, reproduced from input/
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def input_draft() -> str:
    """The draft init-profile writes for input/ (run once for the module)."""
    done = subprocess.run([sys.executable, "-m", "pipeline", "init-profile", str(INPUT_DIR),
                           "-q"], capture_output=True, text=True, check=True)
    return done.stdout


def test_draft_reproduces_the_shipped_default_profile(input_draft: str) -> None:
    same_mapping(parse_profile(input_draft, "draft.yaml"), load_profile("default"))


def test_draft_migrates_input_to_the_same_bytes(input_draft: str, tmp_path: Path) -> None:
    profile = tmp_path / "my-profile.yaml"
    profile.write_text(input_draft, encoding="utf-8")
    drafted = migrate_jsonl(INPUT_DIR, str(profile), tmp_path / "drafted")
    shipped = migrate_jsonl(INPUT_DIR, "default", tmp_path / "shipped")
    assert drafted == shipped


def test_every_choice_says_why(input_draft: str) -> None:
    lines = input_draft.splitlines()

    def comment_above(prefix: str) -> str:
        at = next(i for i, line in enumerate(lines) if line.startswith(prefix))
        assert lines[at - 1].lstrip().startswith("#"), prefix
        start = at - 1
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        return " ".join(line.strip().lstrip("# ") for line in lines[start:at])

    assert comment_above("  id:").startswith("id <- id: an integer in 47/47 files; in every "
                                             "file, so required")
    assert "JSON-style escapes in 47/47 files" in comment_above("  answer:")
    # The site samples' answers (4 of 6 are HTML; the others Markdown with inline HTML).
    assert "HTML in 4/47 files, converted to Markdown" in comment_above("  answer:")
    assert comment_above("  html:").startswith("answer holds HTML")
    assert "answer holds links or images in 6 files" in comment_above("  fields: [answer")
    # No escape happens to occur there in input/: the folded style decides, and says so.
    assert "folded scalars in 47/47 files" in comment_above("  seo.description:")
    assert "comma-separated string in 47/47 files" in comment_above("  seo.keywords:")
    assert "`date_format` beside `date` in 47/47 files" in comment_above("  format_from:")
    assert "MMM DD, YYYY 43" in comment_above("  format_from:")
    assert "related_article1..related_article8 in 42 files" in comment_above("  family:")
    assert "12% repeat an earlier slot" in comment_above("  family:")
    assert "'&nbsp;' 47" in comment_above("  placeholders:")
    assert comment_above("slug_from:").startswith("the slug comes from")
    for prefix in ("  url:", "  title:", "  question:", "  subject:", "  author:", "  date:",
                   "  seo.title:", "  score:", "    id:", "    title:", "  formats:",
                   "  timezone:"):
        assert comment_above(prefix)
    assert all(len(line) <= 100 for line in lines)


def test_draft_is_deterministic(input_draft: str, capsys: pytest.CaptureFixture[str]) -> None:
    again = draft_text(capsys, str(INPUT_DIR), "--workers", "1")
    assert again == input_draft
    assert input_draft.splitlines()[4] == "name: input"  # named after its folder


# ---------------------------------------------------------------------------------------------
# A second CMS with a profile alone
# ---------------------------------------------------------------------------------------------


def test_fixture_corpus_is_what_its_script_writes(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(FIXTURES / "make_othercms.py"), str(tmp_path)],
                   check=True, capture_output=True)
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in OTHER.iterdir()) and len(made) >= 10
    for name in made:
        assert (tmp_path / name).read_bytes() == (OTHER / name).read_bytes(), name


def test_second_cms_migrates_with_its_profile(tmp_path: Path) -> None:
    out = tmp_path / "out"
    jsonl = migrate_jsonl(OTHER, str(OTHER_PROFILE), out)
    assert jsonl == OTHER_EXPECTED.read_bytes()
    report = json.loads((out / "report.json").read_text())
    assert report["migrated"] == 12 and report["rejected"] == [] and report["warnings"] == []
    # The YAML files are read by the compiled core where it is in use, else by yaml-rs.
    from pipeline import core

    yaml_parser = core.PARSER if core.status()[0] else "yaml-rs"
    assert report["parsers"] == {"json": 1, "tomllib": 1, yaml_parser: 10}
    assert report["dangling_links"] == [{"path": "kb-7105.md", "article_id": 7105,
                                         "related_id": 7199}]


def test_second_cms_records_follow_the_contract() -> None:
    """The golden file checked rule by rule, so that it is not merely what the code wrote."""
    records = {r["id"]: r for r in map(json.loads, OTHER_EXPECTED.read_text().splitlines())}
    assert sorted(records) == list(range(7101, 7113))
    dns = records[7101]
    assert dns["slug"] == "how-does-dns-resolution-work"
    assert dns["url"] == "/kb/networking/how-does-dns-resolution-work"
    assert dns["answer"].startswith("DNS turns a name into an address.\n\n## Steps\n1. ")
    assert "zone\u2019s servers" in dns["answer"]  # \u2019 decoded
    assert dns["date"] == "2024-03-14T09:30:00+01:00"  # DD.MM.YYYY HH:mm, the CMS's offset
    assert dns["seo"] == {"title": "Knowbase | Networking", "description": "How a name becomes "
                          "an address: resolvers, root and TLD servers, caching.",
                          "keywords": ["dns", "resolver", "caching", "networking"]}
    # links_1 7102, links_2 7105, links_3 repeats 7102, links_4 is empty.
    assert [link["id"] for link in dns["related"]] == [7102, 7105]
    assert dns["body"] == "" and dns["score"] == 4.5 and dns["author"] == "Priya Raman"
    assert dns["extra"] == {"kb_schema": "knowbase/2", "word_count": 34,
                            "slug": "how-does-dns-resolution-work"}
    hashing = records[7104]
    assert hashing["date"] == "2024-06-19"  # a date alone is never shifted
    assert hashing["answer"].endswith("In C, a newline is written \\n; here it stays a "
                                      "backslash and an n.")  # decoded exactly once
    assert [link["id"] for link in hashing["related"]] == [7103, 7110]  # self-link dropped
    assert [link["id"] for link in records[7103]["related"]] == [7104, 7110]  # gap, repeat
    assert records[7109]["title"] == 'What is a "race condition"?'
    assert records[7108]["related"][0]["title"] == 'What is a "race condition"?'
    assert "https://example.invalid/2fa" in records[7110]["answer"]
    assert records[7110]["body"] == "\nRead the [security policy](/kb/security).\n"
    assert records[7111]["answer"].endswith("caf\u00e9-style examples abound.")  # TOML file
    assert records[7112]["answer"].endswith("```js\nconst add = x => y => x + y;\n```")  # JSON
    assert records[7112]["author"] == "Tom\u00e1s Novak"


def test_second_cms_draft_matches_the_hand_written_profile(capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    text = draft_text(capsys, str(OTHER), "--name", "othercms")
    draft = parse_profile(text, "draft.yaml")
    hand = parse_profile(OTHER_PROFILE.read_text(encoding="utf-8"), "othercms.profile.yaml")
    # The hand-written profile adds one choice no evidence can make (the headline doubles as
    # the question) and the server's offset; everything else the draft finds by itself.
    assert rules(hand.fields).pop("question") == ("headline", "string", True, False, None)
    hand_fields = {k: v for k, v in rules(hand.fields).items() if k != "question"}
    assert rules(draft.fields) == hand_fields
    assert draft.related_family == hand.related_family == "links_"
    assert rules(draft.related_fields) == rules(hand.related_fields)
    assert draft.date_format_from is None and draft.date_formats == hand.date_formats
    assert draft.slug_from == hand.slug_from and draft.placeholders == hand.placeholders
    assert str(draft.timezone) == "UTC" and "(check it)" in text
    # The unedited draft migrates the corpus too: only the offsets of the times differ.
    profile = tmp_path / "draft.yaml"
    profile.write_text(text, encoding="utf-8")
    drafted = [json.loads(line) for line in
               migrate_jsonl(OTHER, str(profile), tmp_path / "out").decode().splitlines()]
    expected = [json.loads(line) for line in OTHER_EXPECTED.read_text().splitlines()]
    for got, want in zip(drafted, expected, strict=True):
        assert got["date"] == want["date"].replace("+01:00", "+00:00")
        assert {k: v for k, v in got.items() if k not in ("date", "question")} == {
            k: v for k, v in want.items() if k not in ("date", "question")}


# ---------------------------------------------------------------------------------------------
# --update
# ---------------------------------------------------------------------------------------------


def test_update_keeps_user_edits_and_comments(input_draft: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    lines = input_draft.splitlines()
    # The user: renames the profile, sets the server's offset with a note, adds comments,
    # drops the `score` field (and its comment) and the `slug_from` choice.
    edited = []
    for line in lines:
        if line == "name: input":
            line = "name: quicktakes"
        elif line.startswith("  timezone:"):
            line = '  timezone: "+05:30"   # our export server ran in IST'
        elif line == "    url: {from: url, type: string}":
            line += "   # USER: legacy URLs"
        elif line.startswith("  author:"):
            edited.append("  # USER: author is always QuickTakes, mapped anyway")
        elif line.startswith(("  score:", "slug_from:")):
            edited.pop()  # its one-line comment
            continue
        edited.append(line)
    assert not any(line.startswith("  score:") for line in edited)
    user = "\n".join(edited) + "\n"
    profile = tmp_path / "my-profile.yaml"
    profile.write_text(user, encoding="utf-8")
    assert main(["init-profile", str(INPUT_DIR), "--update", str(profile)]) == 0
    assert capsys.readouterr().err == f"updated {profile}: added fields.score, slug_from\n"
    updated = profile.read_text(encoding="utf-8")
    new_lines = updated.splitlines()
    # Every line the user had is still there, in the same order.
    kept = iter(new_lines)
    assert all(any(line == other for other in kept) for line in edited)
    assert '  timezone: "+05:30"   # our export server ran in IST' in new_lines
    assert "  # USER: author is always QuickTakes, mapped anyway" in new_lines
    # What was missing is back, with its reason, where the draft puts it.
    at = new_lines.index("  score: {from: score, type: number}")
    assert new_lines[at - 1] == "  # score <- score: a number in 47/47 files"
    assert new_lines[new_lines.index("slug_from: [file_name, url, title]") - 2].startswith(
        "# the slug comes from")
    # ruamel.yaml stores the comment lines after an end-of-line comment with it: inserting
    # slug_from after `related` must not leave body's comment above slug_from.
    assert "    url: {from: url, type: string}   # USER: legacy URLs" in new_lines
    assert new_lines[new_lines.index("body:") - 1] == "# what the body holds"
    related = new_lines.index("related:")
    assert new_lines[related - 1] == "# the numbered key family that becomes the related list"
    profile_now = parse_profile(updated, str(profile))
    assert profile_now.name == "quicktakes" and str(profile_now.timezone) == "UTC+05:30"


def test_update_of_a_fresh_draft_changes_nothing(input_draft: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "my-profile.yaml"
    profile.write_text(input_draft, encoding="utf-8")
    assert main(["init-profile", str(INPUT_DIR), "--update", str(profile)]) == 0
    assert "nothing new to add" in capsys.readouterr().err
    assert profile.read_text(encoding="utf-8") == input_draft
    assert [p.name for p in tmp_path.iterdir()] == ["my-profile.yaml"]  # no temporary left


def test_update_adds_new_evidence_to_a_hand_written_profile(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "othercms.profile.yaml"
    shutil.copy(OTHER_PROFILE, profile)
    before = profile.read_text(encoding="utf-8")
    batch = tmp_path / "new-batch"
    batch.mkdir()
    # A later export writes the month as a name: a date format the profile does not know.
    source = (OTHER / "kb-7102.md").read_text(encoding="utf-8")
    (batch / "kb-7113.md").write_text(
        source.replace("post_id: 7102", "post_id: 7113").replace(
            "published_on: 03.04.2024 10:15", "published_on: Mar 3, 2025 10:15"),
        encoding="utf-8")
    assert main(["migrate", str(batch), "--profile", str(profile), "-q", "--format", "jsonl",
                 "--out", str(tmp_path / "before")]) == 1  # the new date does not read
    capsys.readouterr()
    assert main(["init-profile", str(OTHER), str(batch), "--update", str(profile), "-q"]) == 0
    updated = profile.read_text(encoding="utf-8")
    assert 'formats: ["DD.MM.YYYY HH:mm", "DD.MM.YYYY", "MMM D, YYYY HH:mm"]' in updated
    # Everything the author of the profile wrote is still there.
    for line in before.splitlines():
        if not line.startswith("  formats:"):
            assert line in updated.splitlines(), line
    assert main(["migrate", str(batch), "--profile", str(profile), "-q", "--format", "jsonl",
                 "--out", str(tmp_path / "after")]) == 0
    record = json.loads((tmp_path / "after" / "articles.jsonl").read_text())
    assert record["date"] == "2025-03-03T10:15:00+01:00"


def test_update_refuses_a_profile_that_would_not_load(input_draft: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "my-profile.yaml"
    broken = input_draft.replace('timezone: "+00:00"', 'timezone: "CET"')
    profile.write_text(broken, encoding="utf-8")
    assert main(["init-profile", str(INPUT_DIR), "--update", str(profile), "-q"]) == 2
    err = capsys.readouterr().err
    line = broken.splitlines().index('  timezone: "CET"') + 1
    assert err.startswith(f"Error: {profile}:{line}: dates.timezone: ")
    assert profile.read_text(encoding="utf-8") == broken  # untouched
    profile.write_text("name: [unclosed\n", encoding="utf-8")
    assert main(["init-profile", str(INPUT_DIR), "--update", str(profile), "-q"]) == 2
    assert capsys.readouterr().err.startswith(f"Error: {profile}:")


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init-profile", str(INPUT_DIR), "--update", str(tmp_path / "no.yaml")]) == 2
    assert "Error: profile file not found" in capsys.readouterr().err
    assert main(["init-profile", str(INPUT_DIR), "--name", "bad name!"]) == 2
    assert "Error: Invalid value for --name" in capsys.readouterr().err
    assert main(["init-profile"]) == 2
    capsys.readouterr()
    assert main(["init-profile", "--help"]) == 0
    assert "Example:" in capsys.readouterr().out


CORPUS_NAMES = ["python-frontmatter", "gray-matter", "jekyll", "hugo-docs", "rust-blog",
                "astro-docs"]


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_draft_of_each_corpus_loads(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    corpora = SHARED / "corpora"
    if not corpora.is_dir():
        pytest.skip(f"{corpora} is absent (../shared is not laid beside the project)")
    profile = parse_profile(draft_text(capsys, str(corpora / name)), f"{name}.yaml")
    # None of them has an integer id in every page: the draft says so and keeps them generic.
    assert profile.shape == "generic"
