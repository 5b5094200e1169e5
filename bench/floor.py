"""The I/O floor: read every input and write as many output files, with no parsing at all.

Usage: python bench/floor.py INPUT_DIR OUT_DIR [WORKERS]

Not a migration. It copies each document's bytes into one Markdown file per document and
appends them to a JSONL and a CSV file, on WORKERS processes (default: every core), so that
`make bench` can show how fast any tool writing these outputs on this machine could be:
the floor's files/s over the naive script's is the highest ratio reachable here.
"""

from __future__ import annotations

import os
import sys
from multiprocessing import Pool
from pathlib import Path


def _copy(job: tuple[str, str, list[str], int]) -> int:
    """Copy one slice of the inputs: one .md file each, plus appends to the slice's part files."""
    input_dir, out_dir, names, part = job
    md_dir = os.path.join(out_dir, "markdown")
    with open(os.path.join(out_dir, f"articles.{part}.jsonl"), "wb") as jsonl, \
            open(os.path.join(out_dir, f"articles.{part}.csv"), "wb") as csv:
        for name in names:
            with open(os.path.join(input_dir, name), "rb") as handle:
                data = handle.read()
            jsonl.write(data)
            csv.write(data)
            fd = os.open(os.path.join(md_dir, name + ".md"), os.O_WRONLY | os.O_CREAT, 0o644)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
    return len(names)


def main(argv: list[str] | None = None) -> int:
    """Copy INPUT_DIR's documents into OUT_DIR as the three outputs, without parsing them."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print("usage: python bench/floor.py INPUT_DIR OUT_DIR [WORKERS]", file=sys.stderr)
        return 2
    input_dir, out_dir = Path(args[0]), Path(args[1])
    workers = int(args[2]) if len(args) == 3 else os.cpu_count() or 1
    (out_dir / "markdown").mkdir(parents=True, exist_ok=True)
    names = sorted(n for n in os.listdir(input_dir) if not n.startswith("."))
    size = 512  # slices small enough to keep both processes busy to the end
    jobs = [(str(input_dir), str(out_dir), names[i:i + size], i // size)
            for i in range(0, len(names), size)]
    with Pool(workers) as pool:
        done = sum(pool.imap_unordered(_copy, jobs))
    print(f"floor: {done} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
