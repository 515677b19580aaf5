#!/usr/bin/env bash
# Install the Debian/Ubuntu packages lull needs to build, boot and test.
#
#   tools/deps.sh            install whatever is missing (asks apt as root)
#   tools/deps.sh --check    exit 0 when everything is there, 1 otherwise
#   tools/deps.sh --list     print the package list and exit
#
# Each package is paired with one file it provides, so the check is a plain
# file test and works without dpkg (and without root).
set -euo pipefail

# package                 file that proves it is installed
pkgs=(
  "make                   /usr/bin/make"
  "gcc                    /usr/bin/gcc"
  # the static libc of make bench-linux's programs (tools/linux/)
  "libc6-dev              /usr/lib/x86_64-linux-gnu/libc.a"
  "clang                  /usr/bin/clang"
  "lld                    /usr/bin/ld.lld"
  "binutils               /usr/bin/objcopy"
  "nasm                   /usr/bin/nasm"
  "grub-common            /usr/bin/grub-mkrescue"
  "grub-pc-bin            /usr/lib/grub/i386-pc/multiboot2.mod"
  "grub-efi-amd64-bin     /usr/lib/grub/x86_64-efi/multiboot2.mod"
  "xorriso                /usr/bin/xorriso"
  "mtools                 /usr/bin/mformat"
  "qemu-system-x86        /usr/bin/qemu-system-x86_64"
  "ovmf                   /usr/share/OVMF/OVMF_CODE.fd"
  "bochs                  /usr/bin/bochs"
  # the one display Debian's Bochs can run without X (tools/bochs.sh)
  "bochs-term             /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so"
  "bochsbios              /usr/share/bochs/BIOS-bochs-latest"
  "vgabios                /usr/share/vgabios/vgabios.bin"
  "spin                   /usr/bin/spin"
  "libcmocka-dev          /usr/include/cmocka.h"
  "pkg-config             /usr/bin/pkg-config"
  "python3                /usr/bin/python3"
  # tools/trace.py --png (the trace's timeline)
  "python3-matplotlib     /usr/lib/python3/dist-packages/matplotlib/__init__.py"
  "console-setup-linux    /usr/share/consolefonts/Uni2-VGA16.psf.gz"
  "gzip                   /bin/gzip"
)

missing=()
for entry in "${pkgs[@]}"; do
  read -r pkg file <<<"$entry"
  [ -e "$file" ] || missing+=("$pkg")
done

case "${1:-}" in
  --list)
    for entry in "${pkgs[@]}"; do read -r pkg _ <<<"$entry"; echo "$pkg"; done
    exit 0 ;;
  --check)
    [ ${#missing[@]} -eq 0 ] && exit 0
    echo "missing: ${missing[*]}" >&2
    exit 1 ;;
esac

[ ${#missing[@]} -eq 0 ] && exit 0

echo "lull: installing missing packages: ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "lull: this system has no apt-get; install these packages yourself:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "lull: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  }
  sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "lull: packages installed"
