"""The generic profile on Markdown written by other projects (../shared/corpora).

For every file python-frontmatter reads, we must give the same front-matter values (dates as
ISO strings) and the same body, and the generic Markdown we write must read back to the same
record with the key order kept. The shares per corpus are printed (run with -s to see them).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.load import WriteOptions
from pipeline.load.markdown import MarkdownWriter, read_markdown
from pipeline.record import GENERIC, Record, Rejection
from pipeline.transform import process_bytes
from pipeline.transform.jsonsafe import json_safe
from pipeline.transform.profile import load_profile
from tests.conftest import SHARED, SUMMARY_LINES

CORPORA = SHARED / "corpora"
NAMES = ["python-frontmatter", "gray-matter", "jekyll", "hugo-docs", "rust-blog", "astro-docs"]

frontmatter = pytest.importorskip("frontmatter")


def corpus_files(name: str) -> list[Path]:
    root = CORPORA / name
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "SOURCE.txt")


def pyfm(path: Path) -> tuple[dict, str] | None:
    """python-frontmatter's reading of a file, or None where it raises."""
    try:
        post = frontmatter.load(str(path))
    except Exception:  # noqa: BLE001 - any failure means "python-frontmatter cannot read it"
        return None
    return json_safe(dict(post.metadata), lambda *_: None), post.content


@pytest.mark.parametrize("name", NAMES)
def test_generic_profile_on_corpus(name: str, tmp_path: Path) -> None:
    if not CORPORA.is_dir():
        pytest.skip(f"{CORPORA} is absent (../shared is not laid beside the project)")
    profile = load_profile("generic")
    files = corpus_files(name)
    assert files, name
    counts: Counter[str] = Counter()
    mismatches: list[str] = []
    records: list[Record] = []
    for path in files:
        rel = path.relative_to(CORPORA / name).as_posix()
        outcome = process_bytes(path.read_bytes(), rel, profile)
        reference = pyfm(path)
        counts["files"] += 1
        if isinstance(outcome, Rejection):
            counts["rejected"] += 1
            if reference is not None and reference[0]:
                mismatches.append(f"{rel}: rejected ({outcome.reason}) but python-frontmatter "
                                  "reads it")
            continue
        counts["migrated"] += 1
        records.append(outcome)
        if reference is None:
            counts["pyfm-raises"] += 1
            continue
        meta, content = reference
        ours = outcome.data["front_matter"]
        if not meta and ours:
            counts["pyfm-misses"] += 1  # BOM, `...` closers, tagged openers: we read more
            continue
        counts["pyfm-reads"] += 1
        same_meta = json.dumps(ours, sort_keys=True) == json.dumps(meta, sort_keys=True)
        same_body = outcome.data["body"].strip() == content.strip()
        if same_meta and same_body:
            counts["same-as-pyfm"] += 1
        else:
            mismatches.append(f"{rel}: front matter {'same' if same_meta else 'differs'}, "
                              f"body {'same' if same_body else 'differs'}")
    # Our generic Markdown reads back to the same records, key order kept.
    out = tmp_path / "out"
    writer = MarkdownWriter(out, GENERIC, WriteOptions(target="generic"))
    writer.write_all(iter(records))
    back = {r.path: r for r in read_markdown(out / "markdown" / "generic", "generic", GENERIC)}
    from pipeline.atomic import safe_relative

    for record in records:
        got = back[str(safe_relative(record.path))]
        if json.dumps(got.data["front_matter"]) == json.dumps(record.data["front_matter"]) \
                and got.data["body"] == record.data["body"]:
            counts["lossless"] += 1
        else:
            mismatches.append(f"{record.path}: generic Markdown does not read back the same")
    share = counts["same-as-pyfm"] / max(1, counts["pyfm-reads"])
    line = (f"{name}: {counts['files']} read, {counts['migrated']} migrated, "
            f"{counts['lossless']} lossless through generic Markdown; same as "
            f"python-frontmatter in {counts['same-as-pyfm']}/{counts['pyfm-reads']} "
            f"({share:.1%}) of the files it reads")
    print("\n" + line)
    SUMMARY_LINES.append(line)
    for line in mismatches[:20]:
        print("  ", line)
    assert not mismatches, mismatches[:20]
