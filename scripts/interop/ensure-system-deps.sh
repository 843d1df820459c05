#!/usr/bin/env bash
# ensure-system-deps.sh: installs the Debian packages the interoperability tests need, and only
# those that are missing, so that a second run is a fast no-op (dpkg-query only, no apt-get).
#
#   scripts/interop/ensure-system-deps.sh           install what is missing (needs root and apt-get)
#   scripts/interop/ensure-system-deps.sh --check   only report; exit 1 if something is missing
#
# Packages: tshark (pcap checks), libusrsctp-examples + libusrsctp-dev + gcc + libc6-dev (usrsctp
# peers; libc6-dev is only a Recommends of gcc),
# iproute2 (ip netns), tcpdump + python3 (the rig's capture and guest shell), qemu-system-x86 +
# busybox-static (the rig's VM; installed here in the same apt-get run, which is faster than letting
# `rsplib-vm setup` install them in a second one), nftables (the partition of
# test/io/enrp-scope-processes.test.ts). Without root or apt-get it reports and exits 0
# (or 1 with --check): the interop tests then skip unless RSERPOOL_INTEROP=require.
set -euo pipefail

PACKAGES=(tshark libusrsctp-examples libusrsctp-dev gcc libc6-dev iproute2 tcpdump python3 qemu-system-x86 busybox-static nftables)

missing_packages() {
  local p status
  for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || echo "$p"
  done
}

main() {
  if ! command -v dpkg-query >/dev/null; then
    echo "ensure-system-deps: not a Debian-like system; install by hand: ${PACKAGES[*]}" >&2
    [ "${1:-}" = --check ] && return 1
    return 0
  fi
  local missing
  mapfile -t missing < <(missing_packages)
  if [ ${#missing[@]} -eq 0 ]; then
    echo "ensure-system-deps: all present (${PACKAGES[*]})"
    return 0
  fi
  echo "ensure-system-deps: missing: ${missing[*]}"
  [ "${1:-}" = --check ] && return 1
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "ensure-system-deps: not root (or no apt-get): not installing; interop tests will skip" >&2
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  # tshark's postinst asks whether non-root users may capture; answer no, never prompt.
  echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
  timeout 600 apt-get update -qq
  timeout 1200 apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold "${missing[@]}" \
    </dev/null
  mapfile -t missing < <(missing_packages)
  [ ${#missing[@]} -eq 0 ] || { echo "ensure-system-deps: still missing: ${missing[*]}" >&2; return 1; }
  echo "ensure-system-deps: installed"
}

main "$@"
