"""The AMX safeguard: llama.cpp's AMX kernels crash (llama.cpp #20824), so they are avoided where they would run."""

from __future__ import annotations

import pytest

from alsate_cli.explain import llama_build

SAPPHIRE_RAPIDS = "processor\t: 0\nflags\t\t: fpu avx512f avx512_vnni amx_bf16 amx_tile amx_int8\n"
ICE_LAKE = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_vnni\nbugs\t\t: amx_int8\n"


def test_amx_is_read_from_the_cpu_flags_line_only() -> None:
    assert llama_build.cpu_has_amx(SAPPHIRE_RAPIDS)
    assert not llama_build.cpu_has_amx(ICE_LAKE)  # the word elsewhere in cpuinfo does not count


def test_the_build_reports_its_amx_kernels() -> None:
    assert llama_build.build_has_amx("CPU : AVX2 = 1 | AMX_INT8 = 1 | OPENMP = 1 |")
    assert not llama_build.build_has_amx("CPU : AVX2 = 1 | AMX_INT8 = 0 |")


@pytest.mark.parametrize(("value", "safe"), [("0", False), ("1", True)])
def test_the_environment_overrides_detection(monkeypatch: pytest.MonkeyPatch, value: str, safe: bool) -> None:
    monkeypatch.setenv(llama_build.EXTRA_BUFFERS_ENV, value)
    llama_build.extra_buffers_safe.cache_clear()
    try:
        assert llama_build.extra_buffers_safe() is safe
    finally:
        llama_build.extra_buffers_safe.cache_clear()


def test_model_params_lose_the_extra_buffers_only_inside_the_block(
    monkeypatch: pytest.MonkeyPatch, llama_cpp_available: None
) -> None:
    import llama_cpp.llama as llama_module

    monkeypatch.setenv(llama_build.EXTRA_BUFFERS_ENV, "0")
    llama_build.extra_buffers_safe.cache_clear()
    try:
        with llama_build.safe_model_params():
            assert llama_module.llama_cpp.llama_model_default_params().use_extra_bufts is False
        assert llama_module.llama_cpp.llama_model_default_params().use_extra_bufts is True
    finally:
        llama_build.extra_buffers_safe.cache_clear()
