"""When the compiled core is used, and when not: PIPELINE_CORE, --version, a stale build."""

from __future__ import annotations

import pytest

from pipeline import core
from pipeline.cli import main

if core._core is None:
    pytest.skip("pipeline_core is not installed (no cargo to build it)", allow_module_level=True)


def test_pipeline_core_zero_forces_python(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PIPELINE_CORE", "0")
    assert core.status() == (False, "disabled by PIPELINE_CORE=0")
    assert main(["--version"]) == 0
    assert "core: not in use (disabled by PIPELINE_CORE=0)" in capsys.readouterr().out


def test_version_names_the_core(monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PIPELINE_CORE", "1")
    assert main(["--version"]) == 0
    assert f"core: pipeline-core {core._core.__version__}" in capsys.readouterr().out


def refused(**attributes: object) -> tuple[bool, str]:
    """core.status() with the core's module attributes changed (None: removed)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIPELINE_CORE", "1")
        for name, value in attributes.items():
            if value is None:
                patch.delattr(core._core, name)
            else:
                patch.setattr(core._core, name, value)
        core._probe.cache_clear()
        try:
            return core.status()
        finally:
            core._probe.cache_clear()


def test_a_core_of_another_interface_is_not_used() -> None:
    """An older build (another interface, or none declared) is refused, not crashed on."""
    for api in (None, core.API + 1):
        usable, reason = refused(API=api)
        assert not usable and "another version of the pipeline" in reason
    assert refused()[0]


def test_a_core_built_for_another_reference_is_not_used() -> None:
    """Editing the Python reference without rebuilding the core must not leave the core giving
    the old behaviour: a build stamped with another digest is refused, with the reason."""
    usable, reason = refused(REFERENCE_DIGEST="0" * 64)
    assert not usable and "rebuild it with `make install`" in reason
    assert refused()[0]
