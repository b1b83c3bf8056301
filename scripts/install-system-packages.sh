#!/usr/bin/env bash
# System packages the tests use: Dovecot (a real IMAP server, run unprivileged by the
# tests themselves, never as a system service) and Chromium (browser tests through
# playwright-core). Idempotent: installs only what is missing.
set -euo pipefail
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
need=()
installed dovecot-imapd || need+=(dovecot-imapd)
installed chromium || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  # policy-rc.d or no systemd may keep the packaged service from starting; the tests do not need it.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
