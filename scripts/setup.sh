#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for grader: system libraries (Pango for WeasyPrint,
# fonts with Arabic-script shaping, poppler for PDF checks) and the Python package.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  if ! dpkg -s libpango-1.0-0 fonts-noto-core fonts-dejavu-core poppler-utils bubblewrap chromium >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-dejavu-core \
      poppler-utils bubblewrap util-linux chromium >/dev/null
  fi
fi
python3 -m pip install -q --disable-pip-version-check -e ".[test]"
[ -f data/mnist/t10k-labels-idx1-ubyte ] || python3 scripts/make_sample_data.py data
