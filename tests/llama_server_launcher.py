"""Start ``llama_cpp.server`` with the same AMX safeguard alsate's own engine applies (see
``alsate_cli.explain.llama_build``): llama.cpp's AMX kernels crash on the first evaluation on AMX CPUs, and the server
has no option to turn its extra buffer types off. Usage: ``python tests/llama_server_launcher.py SERVER-ARGS…``."""

from __future__ import annotations

import runpy
import sys

from alsate_cli.explain.llama_build import safe_model_params

if __name__ == "__main__":
    sys.argv[0] = "llama_cpp.server"
    with safe_model_params():  # the server loads its model before it starts listening
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
