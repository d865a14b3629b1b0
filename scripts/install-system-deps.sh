#!/usr/bin/env bash
# Installs the Debian packages the full test suite drives (as root, on Debian or a derivative), so that
# `npm test` runs every test and skips none. Each test that needs one of these skips without it, naming the
# package (test/helpers/tools.ts). One package per line, with what uses it.
set -euo pipefail

packages=(
  skopeo           # reads and converts what repro writes (image tests)
  umoci            # unpacks what repro writes (image tests)
  debootstrap      # real Debian bases (build and check tests)
  mmdebstrap       # the other Debian base builder
  faketime         # libfaketime: the "time" variation of check
  disorderfs       # FUSE: the "file-ordering" variation of check (readdir order shuffled)
  chromium         # renders the HTML report (browser tests)
  zstd             # zstd layers and nested .zst members
  xz-utils         # nested .xz members
  binutils         # readelf for the ELF comparator
  gcc              # cc: the ELF comparator test compiles two small programs
  libc6-dev        # ... and links them
  util-linux       # setpriv, unshare, mount; setarch and taskset: the "kernel" and "cpus" variations
  ca-certificates  # debootstrap over https mirrors
  zip              # zip(1) archives for the zip comparator
  unzip            # checks what zip-normalize writes
  attr             # getfattr/setfattr: xattrs kept from a directory input and by the builder
  libcap2-bin      # getcap/setcap: file capabilities (security.capability xattrs)
  python3          # the demo manifest writes its jar with python3's zipfile
  dpkg             # dpkg-deb for the .deb comparator tests
  busybox-static   # a static shell and tools: the tree of the chroot isolation test
  buildah          # builder.containerfile: the Containerfile check test (as root, vfs storage, chroot isolation)
  docker-registry  # a real registry on localhost: docker:// references, verify --against (test/cli/registry*)
  time             # GNU time: peak RSS and CPU time of the CLI in the hostile tests (test/helpers/hostile.ts)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: all ${#packages[@]} packages are installed"
  exit 0
fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
