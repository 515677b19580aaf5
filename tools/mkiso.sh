#!/usr/bin/env bash
# Build a hybrid BIOS + UEFI boot ISO holding one kernel and its command line.
#
#   [GRUB_DEFAULT=N] [GRUB_TIMEOUT=S] tools/mkiso.sh ELF "CMDLINE" OUT.iso
#
# The ISO boots from CD or USB stick under legacy BIOS (GRUB i386-pc) and UEFI
# (GRUB x86_64-efi); iso/grub.cfg is the template: its menu, with CMDLINE
# added to every entry, entry GRUB_DEFAULT [0] booting after GRUB_TIMEOUT [5]
# seconds (0: at once, no menu drawn; the test harness uses that).
set -euo pipefail

die() { echo "mkiso: $*" >&2; exit 1; }

[ $# -eq 3 ] || { echo "usage: $0 ELF \"CMDLINE\" OUT.iso" >&2; exit 2; }
elf=$1 cmdline=$2 out=$3
default=${GRUB_DEFAULT:-0} timeout=${GRUB_TIMEOUT:-5}
[[ $default =~ ^[0-9]+$ ]] || die "GRUB_DEFAULT=$default: expected an entry number"
[[ $timeout =~ ^[0-9]+$ ]] || die "GRUB_TIMEOUT=$timeout: expected seconds"
root=$(cd "$(dirname "$0")/.." && pwd)
template=$root/iso/grub.cfg

[ -f "$elf" ] || die "kernel $elf not found (run make first)"
[ -f "$template" ] || die "template $template not found"
command -v grub-mkrescue >/dev/null || die "grub-mkrescue missing (run tools/deps.sh)"
command -v xorriso >/dev/null || die "xorriso missing (run tools/deps.sh)"
# GRUB reads the multiboot2 line like a shell: ; & | $ # and the like would be
# acted on, and a syntax error leaves GRUB at its prompt, a hang. So every
# word is single-quoted below and reaches the kernel as written. GRUB escapes
# quotes and backslashes again when it builds the kernel's command line, so
# those could not arrive as written: refuse them.
case $cmdline in
  *$'\n'*) die "the command line must be one line" ;;
  *[\'\"\\]*) die "quotes and backslashes cannot reach the kernel through GRUB: $cmdline" ;;
esac
read -ra words <<<"$cmdline"
quoted=
for w in "${words[@]}"; do quoted+="${quoted:+ }'$w'"; done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lull-iso.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/tree log=$tmp/mkrescue.log
mkdir -p "$stage/boot/grub" "$(dirname "$out")"
cp "$elf" "$stage/boot/lull.elf"

# Plain string replacement, no sed: the command line may hold / & | and the
# like. bash 5.2 would expand & in the replacement, so switch that off.
shopt -u patsub_replacement 2>/dev/null || true
cfg=$(<"$template")
entries=$(grep -c '^menuentry' <<<"$cfg")
(( default < entries )) || die "GRUB_DEFAULT=$default: the menu has entries 0 to $((entries - 1))"
cfg=${cfg//@DEFAULT@/$default}
cfg=${cfg//@TIMEOUT@/$timeout}
printf '%s\n' "${cfg//@CMDLINE@/$quoted}" > "$stage/boot/grub/grub.cfg"

# grub-mkrescue puts in every platform whose GRUB files are installed; it is
# chatty, so keep its output for when it fails. No locales or themes: the
# menu is GRUB's plain text one.
if ! grub-mkrescue --locales= --themes= -o "$out" "$stage" >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$out"     # a partial ISO would look up to date to make
  die "grub-mkrescue failed for $out"
fi

# A missing grub-pc-bin or grub-efi-amd64-bin still gives an ISO, silently
# without that platform: check both El Torito boot images are there.
reject() { rm -f "$out"; die "$@"; }
report=$(xorriso -indev "$out" -report_el_torito plain 2>/dev/null) ||
  reject "xorriso cannot read $out"
grep -q 'El Torito boot img.*BIOS' <<<"$report" ||
  reject "$out has no BIOS boot image (is grub-pc-bin installed?)"
grep -q 'El Torito boot img.*UEFI' <<<"$report" ||
  reject "$out has no UEFI boot image (is grub-efi-amd64-bin installed?)"
