#!/usr/bin/env bash
# Installs Claude Code (@anthropic-ai/claude-code 2.1.x, about 250 MB with its native binary) into a cache folder for
# test/e2e/claude-code.test.ts, never as a dependency of the project. Idempotent: a working install is kept.
# The folder: $OPTIPROXY_CLAUDE_CODE_DIR, default $HOME/.cache/optiproxy-claude-code.
set -euo pipefail
dir="${OPTIPROXY_CLAUDE_CODE_DIR:-$HOME/.cache/optiproxy-claude-code}"
bin="$dir/node_modules/.bin/claude"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q '^2\.1\.'; then
  echo "Claude Code $("$bin" --version) already in $dir"
  exit 0
fi
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --no-save @anthropic-ai/claude-code@2.1
# the package's postinstall puts the platform's native binary in place of its bin stub; an npm that holds back
# install scripts leaves the stub, so run it here
if ! "$bin" --version >/dev/null 2>&1; then
  (cd "$dir/node_modules/@anthropic-ai/claude-code" && node install.cjs)
fi
echo "Claude Code $("$bin" --version) installed in $dir"
