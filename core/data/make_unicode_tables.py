"""Write data/nonprintable.txt: the code points Python's str.isprintable() refuses, as ranges.

The core reproduces `str.isprintable` (YAML block scalars, Python reprs in messages) from this
table, which depends on the Unicode version of the Python that wrote it; the core is told the
running Python's version and declines non-ASCII text that needs the table when they differ.
Run: python core/data/make_unicode_tables.py
"""

import sys
import unicodedata
from pathlib import Path


def main() -> int:
    """Scan every code point once and write the ranges."""
    ranges = []
    start = None
    for code in range(0x110001):
        printable = code < 0x110000 and chr(code).isprintable()
        if not printable and code < 0x110000:
            if start is None:
                start = code
        elif start is not None:
            ranges.append((start, code - 1))
            start = None
    out = Path(__file__).with_name("nonprintable.txt")
    lines = [f"# str.isprintable() == False, Unicode {unicodedata.unidata_version}",
             f"unicode {unicodedata.unidata_version}"]
    lines += [f"{a:x} {b:x}" for a, b in ranges]
    out.write_text("\n".join(lines) + "\n", encoding="ascii")
    print(f"{len(ranges)} ranges -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
