#!/usr/bin/env bash
# Step 1 of action.yml: install fastapi-lint. Inputs arrive only through the
# environment (never interpolated into the script), so they cannot inject shell.
set -euo pipefail
version="${INPUT_VERSION:-}"
if [ -z "$version" ]; then
  python3 -m pip install --disable-pip-version-check -q "${GITHUB_ACTION_PATH:?}"
elif [[ "$version" =~ ^[0-9][0-9A-Za-z.+-]*$ ]]; then
  python3 -m pip install --disable-pip-version-check -q "fastapi-lint==$version"
else
  python3 -m pip install --disable-pip-version-check -q "fastapi-lint$version"
fi
