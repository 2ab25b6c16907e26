"""What the installed llama.cpp build can safely use on this CPU.

llama.cpp compiled natively on an Intel CPU with AMX (Sapphire Rapids and later) repacks Q4_0/Q4_1/Q8_0 weights into
an AMX buffer, and its AMX matrix multiply crashes the process with SIGSEGV on the first evaluation (llama.cpp
issue #20824, open as of 0.3.36; seen on the developers' machines with the SmolLM2 test model). A security tool must
not die on the hardware it is most likely to run on, so on such machines the engine loads models without llama.cpp's
"extra buffer types" (AMX and the CPU repack): plain CPU kernels, a little slower, correct.

``ALSATE_LLAMA_EXTRA_BUFFERS=1`` forces the extra buffers on (a fixed llama.cpp), ``=0`` forces them off.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path

EXTRA_BUFFERS_ENV = "ALSATE_LLAMA_EXTRA_BUFFERS"
_CPUINFO = Path("/proc/cpuinfo")
_PATCH_LOCK = threading.Lock()


def cpu_has_amx(cpuinfo: str | None = None) -> bool:
    """Whether this CPU advertises AMX integer tiles (the ``amx_int8`` flag of ``/proc/cpuinfo``)."""
    if cpuinfo is None:
        try:
            cpuinfo = _CPUINFO.read_text(errors="replace")
        except OSError:
            return False
    return any(line.startswith("flags") and " amx_int8" in line for line in cpuinfo.splitlines())


def build_has_amx(system_info: str) -> bool:
    """Whether llama.cpp was compiled with its AMX kernels (``AMX_INT8 = 1`` in ``llama_print_system_info``)."""
    return "AMX_INT8 = 1" in system_info


@cache
def extra_buffers_safe() -> bool:
    """False where llama.cpp's AMX kernels would run (built with them, and the CPU has AMX), unless overridden."""
    forced = os.environ.get(EXTRA_BUFFERS_ENV, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    if not cpu_has_amx():
        return True
    import llama_cpp

    info = llama_cpp.llama_print_system_info()
    text = info.decode("utf-8", errors="replace") if isinstance(info, bytes) else str(info)
    return not build_has_amx(text)


@contextlib.contextmanager
def safe_model_params() -> Iterator[None]:
    """While a ``Llama`` is constructed inside this block, its model parameters turn the extra buffers off where
    :func:`extra_buffers_safe` says so.

    llama-cpp-python's ``Llama`` has no argument for ``use_extra_bufts``; it takes its model parameters from
    ``llama_model_default_params()``, so that one function is wrapped for the duration (under a lock: one model
    loads at a time, and the wrapper is always removed again).
    """
    if extra_buffers_safe():
        yield
        return
    import llama_cpp
    import llama_cpp.llama as llama_module

    with _PATCH_LOCK:
        original = llama_module.llama_cpp.llama_model_default_params

        def without_extra_buffers() -> llama_cpp.llama_model_params:
            params = original()
            params.use_extra_bufts = False
            return params

        llama_module.llama_cpp.llama_model_default_params = without_extra_buffers
        try:
            yield
        finally:
            llama_module.llama_cpp.llama_model_default_params = original
