"""The baseline: the afternoon script a user writes with python-frontmatter and pandas.

Usage: python bench/naive.py INPUT_DIR OUT_DIR

It is deliberately ordinary, not deliberately slow: python-frontmatter (which already parses
with libyaml's CSafeLoader when PyYAML has it), every record held in memory, then
`pandas.json_normalize`, `to_csv`, `to_json(lines=True)` and one Markdown file per record.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import frontmatter
import pandas as pd
import yaml


def load_all(input_dir: Path) -> tuple[list[dict[str, Any]], list[frontmatter.Post], list[str]]:
    """Parse every non-hidden file in input_dir: (flat records, posts, file stems)."""
    records: list[dict[str, Any]] = []
    posts: list[frontmatter.Post] = []
    stems: list[str] = []
    for path in sorted(input_dir.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        # utf-8-sig: with plain utf-8 a BOM hides the `---` line and the file silently loses
        # its front matter, which a user would notice on the first run and fix this way.
        post = frontmatter.load(path, encoding="utf-8-sig")
        records.append({**post.metadata, "content": post.content, "source_path": path.name})
        posts.append(post)
        stems.append(path.stem)
    return records, posts, stems


def main(argv: list[str] | None = None) -> int:
    """Migrate INPUT_DIR into OUT_DIR as articles.csv, articles.jsonl and markdown/*.md."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python bench/naive.py INPUT_DIR OUT_DIR", file=sys.stderr)
        return 2
    input_dir, out_dir = Path(args[0]), Path(args[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    records, posts, stems = load_all(input_dir)

    frame = pd.json_normalize(records)
    frame.to_csv(out_dir / "articles.csv", index=False)
    # ISO dates rather than pandas' default epoch milliseconds; default_handler=str covers the
    # tz-aware datetimes YAML gives for timestamps with an offset.
    frame.to_json(out_dir / "articles.jsonl", orient="records", lines=True, date_format="iso",
                  force_ascii=False, default_handler=str)

    md_dir = out_dir / "markdown"
    md_dir.mkdir(exist_ok=True)
    for stem, post in zip(stems, posts):
        (md_dir / f"{stem}.md").write_text(frontmatter.dumps(post) + "\n", encoding="utf-8")

    print(f"naive: {len(records)} records, libyaml={yaml.__with_libyaml__}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
