#!/usr/bin/env bash
# Boot an ISO in QEMU the way make run, make debug and make test all do.
#
#   tools/qemu.sh ISO [extra qemu args...]
#
# Environment (defaults in brackets):
#   CPUS [8] (a count or a full -smp value)  CPU_MODEL [max]  MEM [512M]  FIRMWARE [bios] bios|uefi  MACHINE [pc] pc|q35
#   (QEMU machine options may follow: MACHINE=q35,i8042=off)
#   ACCEL [tcg] tcg|kvm   SERIAL [mon:stdio]  (the harness passes file:PATH)
#   DISPLAY_OPT [-display none when $DISPLAY is unset]   V=1 prints the command
#
# The kernel ends a run by writing to the isa-debug-exit port 0xf4; QEMU then
# exits with status (value << 1) | 1, so 0x10 gives 33 and 0x11 gives 35.
set -euo pipefail

usage() { echo "usage: $0 ISO [extra qemu args...]" >&2; exit 2; }
bad() { echo "qemu.sh: $1" >&2; exit 2; }

[ $# -ge 1 ] || usage
iso=$1; shift
[ -f "$iso" ] || { echo "qemu.sh: ISO $iso not found (run make iso)" >&2; exit 1; }

CPUS=${CPUS:-8}
CPU_MODEL=${CPU_MODEL:-max}
MEM=${MEM:-512M}
FIRMWARE=${FIRMWARE:-bios}
MACHINE=${MACHINE:-pc}
ACCEL=${ACCEL:-tcg}
SERIAL=${SERIAL:-mon:stdio}
if [ -z "${DISPLAY_OPT+set}" ]; then
  if [ -n "${DISPLAY:-}" ]; then DISPLAY_OPT=; else DISPLAY_OPT="-display none"; fi
fi

case $MACHINE in
  pc|q35|pc,*|q35,*) ;;
  *) bad "MACHINE=$MACHINE: expected pc or q35, with any options after a comma" ;;
esac

case $ACCEL in
  # TCG emulates each vCPU in its own host thread only when asked to.
  tcg) accel=(-accel "tcg,thread=multi") ;;
  kvm) accel=(-accel kvm) ;;
  *) bad "ACCEL=$ACCEL: expected tcg or kvm" ;;
esac

case $FIRMWARE in
  bios) firmware=() ;;
  uefi)
    code=/usr/share/OVMF/OVMF_CODE.fd vars=/usr/share/OVMF/OVMF_VARS.fd
    if [ ! -r "$code" ] || [ ! -r "$vars" ]; then
      bad "FIRMWARE=uefi needs $code and $vars (tools/deps.sh)"
    fi
    # OVMF writes its variable store, so every run gets a private copy. The
    # copy is unlinked at once and handed to QEMU as an open descriptor:
    # parallel runs never share it and nothing is left behind, even after
    # kill -9, while this script can still exec QEMU.
    store=$(mktemp "${TMPDIR:-/tmp}/lull-ovmf-vars.XXXXXX")
    cp "$vars" "$store"
    exec {vars_fd}<>"$store"
    rm -f "$store"
    firmware=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
              -drive "if=pflash,format=raw,unit=1,file=/dev/fd/$vars_fd")
    ;;
  *) bad "FIRMWARE=$FIRMWARE: expected bios or uefi" ;;
esac

# DISPLAY_OPT is a list of words on purpose ("-display none", "-display gtk").
# shellcheck disable=SC2206
display=($DISPLAY_OPT)

cmd=(qemu-system-x86_64
  -machine "$MACHINE" "${accel[@]}" -cpu "$CPU_MODEL"
  -smp "$CPUS" -m "$MEM"
  "${firmware[@]}"
  -cdrom "$iso" -boot d
  -serial "$SERIAL" "${display[@]}"
  -no-reboot
  -device "isa-debug-exit,iobase=0xf4,iosize=0x04"
  "$@")

[ "${V:-0}" = 1 ] && echo "${cmd[*]}" >&2
exec "${cmd[@]}"
