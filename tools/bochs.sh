#!/usr/bin/env bash
# Boot an ISO in Bochs, headless, the way make test-bochs does.
#
#   tools/bochs.sh ISO
#
# Environment (defaults in brackets):
#   CPUS [4] (a count)  MEM [256] (MiB; 256M and 1G work too)
#   CPU_MODEL [corei7_skylake_x] (PCID, INVPCID and x2APIC; `bochs -help cpu`
#   lists the others)   SERIAL_LOG [shown here] COM1's output file
#   V=1 prints the generated configuration
#
# Bochs ends when the kernel writes "Shutdown" to port 0x8900 (kernel/power.c);
# a guest that never does runs until it is killed. This script exits 0 after
# such a shutdown, else with Bochs's status; either way the kernel's verdict
# is in its KTAP output, not here. Bochs's own complaints go to stderr.
set -euo pipefail

usage() { echo "usage: $0 ISO" >&2; exit 2; }
bad() { echo "bochs.sh: $1" >&2; exit 2; }

[ $# -eq 1 ] || usage
[ -f "$1" ] || { echo "bochs.sh: ISO $1 not found (run make iso)" >&2; exit 1; }
iso=$(realpath -- "$1")
command -v bochs >/dev/null || bad "bochs missing (run tools/deps.sh)"

CPUS=${CPUS:-4}
MEM=${MEM:-256}
CPU_MODEL=${CPU_MODEL:-corei7_skylake_x}

[[ $CPUS =~ ^[1-9][0-9]*$ ]] || bad "CPUS=$CPUS: Bochs takes a plain count"
case $MEM in
  *[0-9]G) mib=$((${MEM%G} * 1024)) ;;
  *[0-9]M) mib=${MEM%M} ;;
  *) mib=$MEM ;;
esac
[[ $mib =~ ^[1-9][0-9]*$ ]] || bad "MEM=$MEM: expected MiB (256, 256M or 1G)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lull-bochs.XXXXXX")
tailer=
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  if [ -n "$tailer" ]; then
    sleep 0.2                           # let tail show the last lines
    kill "$tailer" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Without SERIAL_LOG the serial output is shown here as it comes, as with
# make run.
serial=${SERIAL_LOG:-$tmp/serial.log}
if [ -z "${SERIAL_LOG:-}" ]; then
  : >"$serial"
  tail -n +1 -f "$serial" &
  tailer=$!
fi

# display_library: Debian's Bochs has no "nogui"; "term" (bochs-term) is the
#   only display that needs no X, and it draws text modes only. Without VBE
#   (vga: extension=none) GRUB cannot set the 32 bpp mode lull asks for, so
#   the kernel gets no framebuffer it can use and keeps to the serial port.
# clock: sync=none runs as fast as the host allows; ips is Bochs's default.
#   It sets how many instructions make a second of emulated time: the BIOS and
#   GRUB wait on that clock (2.5 s to GRUB here; 28 s with ips=100000000),
#   the kernel's TSC counts instructions.
# reset_on_triple_fault=0 and panic=fatal: a triple fault ends the run with a
#   message instead of rebooting into GRUB.
# No speaker: Debian's build aborts ("buffer overflow detected") when it
#   finds no sound card. No game or parallel port either. Keep "unmapped": it
#   owns the shutdown port.
cat >"$tmp/lull.bxrc" <<EOF
cpu: model=$CPU_MODEL, count=$CPUS, ips=4000000, reset_on_triple_fault=0
memory: guest=$mib, host=$mib
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
vga: extension=none
display_library: term
ata0-master: type=cdrom, path="$iso", status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev="$serial"
clock: sync=none, time0=local
plugin_ctrl: speaker=0, gameport=0, parallel=0
log: "$tmp/bochs.log"
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
EOF
[ "${V:-0}" = 1 ] && cat "$tmp/lull.bxrc" >&2

# Debian's Bochs has the internal debugger and waits at its prompt: "c"
# starts the machine, and "quit" ends Bochs should the debugger get control
# back, instead of waiting for input that never comes.
printf 'c\nquit\n' >"$tmp/cont.rc"

# The term display wants a terminal: script(1) gives it one, whose screen
# (curses drawing) is kept out of the way in $tmp.
status=0
TERM=xterm script -qec "bochs -q -f $(printf %q "$tmp/lull.bxrc") -rc $(printf %q "$tmp/cont.rc")" \
  /dev/null </dev/null >"$tmp/screen" 2>&1 || status=$?

shutdown='Shutdown port: shutdown requested'
if grep -qs "$shutdown" "$tmp/bochs.log"; then
  status=0
else
  # Errors in the configuration never reach the log, only the screen.
  tr -d '\r' <"$tmp/screen" | sed -n '/Bochs is exiting with/,/^=====/p' >&2
fi
grep -vs "$shutdown" "$tmp/bochs.log" >&2 || true
exit "$status"
