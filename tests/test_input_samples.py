"""input/ holds the seed unchanged plus exactly what the generator makes."""

from __future__ import annotations

from pipeline.samples import ASSETS_DIR, SITE_FIRST_ID, asset_files, generate
from tests.conftest import SEED, SHARED, input_files

import pytest


def test_input_matches_the_generator() -> None:
    generated = dict(generate(40))
    generated.update(generate(6, 0, SITE_FIRST_ID, site=True))
    on_disk = {p.name: p.read_bytes() for p in input_files() if p != SEED}
    assert on_disk.keys() == generated.keys(), "run `make samples` to regenerate input/"
    for name, data in generated.items():
        assert on_disk[name] == data, name


def test_assets_folder_matches_the_generator() -> None:
    folder = SEED.parent / ASSETS_DIR
    on_disk = {"/" + p.relative_to(folder).as_posix(): p.read_bytes()
               for p in folder.rglob("*") if p.is_file()}
    assert on_disk == asset_files(), "run `make samples` to regenerate input/.assets"


def test_seed_is_unchanged() -> None:
    shared_seed = SHARED / "seeds" / SEED.name
    if not shared_seed.exists():
        pytest.skip(f"{shared_seed} is absent (../shared is not laid beside the project)")
    assert SEED.read_bytes() == shared_seed.read_bytes()
