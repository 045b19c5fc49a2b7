#!/usr/bin/env bash
# Install zst into ./.venv on a fresh Debian/Ubuntu machine.
#   bash scripts/install.sh          # the package (for `zst ...`)
#   bash scripts/install.sh test     # plus the test dependencies
# System packages: espeak-ng (speech for tests and examples), ffmpeg (m4a/aac decoding), sox.
# torch is pinned by constraints.txt to the tested CPU build; torchaudio is never installed.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for tool in espeak-ng ffmpeg sox; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
  echo "installing system packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
extra=""; [ "${1:-}" = "test" ] && extra="[test]"
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".${extra}"
.venv/bin/python - <<'PY'
import importlib.util, sys
if importlib.util.find_spec("torchaudio"):
    sys.exit("torchaudio is installed in .venv: remove it (pip uninstall torchaudio); it breaks `import transformers` beside the CPU torch")
import torch, transformers
print(f"zst installed: torch {torch.__version__}, transformers {transformers.__version__}")
PY
