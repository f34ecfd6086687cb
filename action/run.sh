#!/usr/bin/env bash
# Step 2 of action.yml: lint with GitHub annotations, optionally write SARIF, and
# exit with fastapi-lint's code (recorded as the step output `exit-code`).
# Inputs arrive only through the environment; ARGS and SRC are split on
# whitespace with globbing off, never evaluated.
set -uo pipefail
set -f
read -r -a args <<< "${INPUT_ARGS:-}"
read -r -a src <<< "${INPUT_SRC:-.}"
[ "${#src[@]}" -eq 0 ] && src=(.)
fastapi_lint="${FASTAPI_LINT:-fastapi-lint}"

"$fastapi_lint" --output-format github "${args[@]}" -- "${src[@]}"
rc=$?
if [ -n "${INPUT_SARIF_FILE:-}" ]; then
  "$fastapi_lint" --output-format sarif --output "$INPUT_SARIF_FILE" --exit-zero --quiet "${args[@]}" -- "${src[@]}"
  sarif_rc=$?
  if [ "$sarif_rc" -ne 0 ] && [ "$rc" -ne 2 ]; then rc=$sarif_rc; fi
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$rc" >> "$GITHUB_OUTPUT"
fi
exit "$rc"
