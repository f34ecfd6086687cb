#!/usr/bin/env bash
# Step 2 of action.yml: lint with GitHub annotations, optionally write SARIF, and
# exit with fastapi-lint's code (recorded as the step output `exit-code`).
# Inputs arrive only through the environment; ARGS and SRC are split on any
# whitespace (newlines too: YAML block scalars work) with globbing off, never
# evaluated. Options that would change what this step prints (--output-format,
# -o/--output, --statistics, --diff, --fix-only) are dropped from ARGS with a
# warning: the step decides the formats.
set -uo pipefail
set -f
read -r -d '' -a raw_args <<< "${INPUT_ARGS:-}" || true
read -r -d '' -a src <<< "${INPUT_SRC:-.}" || true
[ "${#src[@]}" -eq 0 ] && src=(.)
fastapi_lint="${FASTAPI_LINT:-fastapi-lint}"

args=()
skip_next=0
for arg in ${raw_args[@]+"${raw_args[@]}"}; do
  if [ "$skip_next" -eq 1 ]; then skip_next=0; continue; fi
  case "$arg" in
    --output-format|-o|--output)
      echo "::warning title=fastapi-lint action::ignored '$arg' in args: the action sets the output"; skip_next=1 ;;
    --output-format=*|--output=*|--statistics|--diff|--fix-only)
      echo "::warning title=fastapi-lint action::ignored '${arg%%=*}' in args: the action sets the output" ;;
    *) args+=("$arg") ;;
  esac
done

"$fastapi_lint" ${args[@]+"${args[@]}"} --output-format github -- "${src[@]}"
rc=$?
if [ -n "${INPUT_SARIF_FILE:-}" ]; then
  "$fastapi_lint" ${args[@]+"${args[@]}"} --output-format sarif --output "$INPUT_SARIF_FILE" --exit-zero --quiet \
    -- "${src[@]}"
  sarif_rc=$?
  if [ "$sarif_rc" -ne 0 ] && [ "$rc" -ne 2 ]; then rc=$sarif_rc; fi
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$rc" >> "$GITHUB_OUTPUT"
fi
exit "$rc"
