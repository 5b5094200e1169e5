"""input/ holds the seed unchanged plus exactly what the generator makes."""

from __future__ import annotations

from pipeline.samples import generate
from tests.conftest import SEED, SHARED, input_files

import pytest


def test_input_matches_the_generator() -> None:
    generated = dict(generate(40))
    on_disk = {p.name: p.read_bytes() for p in input_files() if p != SEED}
    assert on_disk.keys() == generated.keys(), "run `make samples` to regenerate input/"
    for name, data in generated.items():
        assert on_disk[name] == data, name


def test_seed_is_unchanged() -> None:
    shared_seed = SHARED / "seeds" / SEED.name
    if not shared_seed.exists():
        pytest.skip(f"{shared_seed} is absent (../shared is not laid beside the project)")
    assert SEED.read_bytes() == shared_seed.read_bytes()
