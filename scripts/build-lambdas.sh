#!/usr/bin/env bash
# Builds the Lambda functions for the provided.al2023 runtime (x86_64): one
# `bootstrap` per function (profile `lambda`: optimised for size, stripped),
# linked by zig against glibc 2.34 (Lambda's) through cargo-zigbuild (both
# from PyPI, installed under target/tools on first use), zipped as
# target/lambda/<function>.zip, each checked to need no newer glibc, with its
# size and whether DataFusion is linked in.
#
#   scripts/build-lambdas.sh [--dry-run] [function...]
#
# --dry-run prints the commands instead of running them.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly LAMBDA_GLIBC="2.34"
ALL=(bot worker detector router ingest)
DRY_RUN=0
FUNCTIONS=()
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    -h | --help)
      sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*)
      echo "error: unknown option $arg (try --help)" >&2
      exit 2
      ;;
    *) FUNCTIONS+=("$arg") ;;
  esac
done
if [[ ${#FUNCTIONS[@]} -eq 0 ]]; then
  FUNCTIONS=("${ALL[@]}")
fi
for f in "${FUNCTIONS[@]}"; do
  if [[ ! " ${ALL[*]} " == *" $f "* ]]; then
    echo "error: no function '$f'; the functions are: ${ALL[*]}" >&2
    exit 2
  fi
done

run() {
  echo "+ $*"
  if [[ $DRY_RUN -eq 0 ]]; then
    "$@"
  fi
}

target="${CARGO_TARGET_DIR:-target}"
triple="x86_64-unknown-linux-gnu"
# Absolute: build scripts run zig's wrappers from other directories.
case "$target" in
  /*) tools="$target/tools/zigbuild-0.24.0" ;;
  *) tools="$PWD/$target/tools/zigbuild-0.24.0" ;;
esac
if [[ ! -x "$tools/bin/cargo-zigbuild" ]]; then
  run python3 -m venv "$tools"
  run "$tools/bin/pip" install --quiet --disable-pip-version-check cargo-zigbuild==0.24.0 ziglang==0.17.0
fi
status=0
bins=()
for f in "${FUNCTIONS[@]}"; do
  bins+=(--bin "lambda-$f")
done
run env PATH="$tools/bin:$PATH" cargo zigbuild --profile lambda --locked -p mantissa-lambda \
  --target "$triple.$LAMBDA_GLIBC" "${bins[@]}"

for f in "${FUNCTIONS[@]}"; do
  out="$target/lambda/$f"
  run mkdir -p "$out"
  run cp "$target/$triple/lambda/lambda-$f" "$out/bootstrap"
  run rm -f "$target/lambda/$f.zip"
  run zip -q -j -9 "$target/lambda/$f.zip" "$out/bootstrap"
  if [[ $DRY_RUN -eq 1 ]]; then
    continue
  fi
  # The newest glibc symbol version the binary needs.
  needs=$(objdump -T "$out/bootstrap" | grep -oE 'GLIBC_[0-9]+\.[0-9]+' | sed 's/GLIBC_//' | sort -uV | tail -1)
  if [[ "$(printf '%s\n%s\n' "$needs" "$LAMBDA_GLIBC" | sort -V | tail -1)" != "$LAMBDA_GLIBC" ]]; then
    echo "error: lambda-$f needs glibc $needs ($(objdump -T "$out/bootstrap" | grep -oE "\(GLIBC_$needs\) [^ ]+" | sed 's/.* //' | sort -u | tr '\n' ' ')); Lambda's provided.al2023 has $LAMBDA_GLIBC" >&2
    status=1
  fi
  # DataFusion's source paths appear in a binary that links its code.
  datafusion=$(strings "$out/bootstrap" | grep -c 'datafusion[-_a-z]*-[0-9]' || true)
  awk -v f="$f" -v b="$(stat -c %s "$out/bootstrap")" -v z="$(stat -c %s "$target/lambda/$f.zip")" \
    -v needs="$needs" -v lambda="$LAMBDA_GLIBC" -v df="$datafusion" \
    'BEGIN { printf "%-9s bootstrap %6.1f MB, zip %5.1f MB, needs glibc %s (Lambda: %s), DataFusion strings: %d\n", f, b / 1048576, z / 1048576, needs, lambda, df }' 
done
exit $status
