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


def test_a_core_of_another_interface_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """An older build (another interface, or none declared) is refused, not crashed on."""
    monkeypatch.setenv("PIPELINE_CORE", "1")
    for api in (None, core.API + 1):
        if api is None:
            monkeypatch.delattr(core._core, "API")
        else:
            monkeypatch.setattr(core._core, "API", api)
        core._probe.cache_clear()
        try:
            usable, reason = core.status()
            assert not usable and "another version of the pipeline" in reason
        finally:
            monkeypatch.undo()
            core._probe.cache_clear()
    assert core.status()[0]


def test_a_core_built_for_another_reference_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """Editing the Python reference without rebuilding the core must not leave the core giving
    the old behaviour: a build stamped with another digest is refused, with the reason."""
    monkeypatch.setenv("PIPELINE_CORE", "1")
    monkeypatch.setattr(core._core, "REFERENCE_DIGEST", "0" * 64)
    core._probe.cache_clear()
    try:
        usable, reason = core.status()
        assert not usable and "rebuild it with `make install`" in reason
    finally:
        monkeypatch.undo()
        core._probe.cache_clear()
    assert core.status()[0]
