#!/usr/bin/env bash
# Write the boot ISO to a USB stick, refusing anything that is not one.
#
#   tools/usb.sh ISO DEV          (make usb DEV=/dev/sdX)
#
# The ISO from tools/mkiso.sh is a hybrid image: written raw to a whole disk
# it boots under legacy BIOS and under UEFI. A raw write to the wrong disk
# destroys that disk, so DEV must be a whole, removable block disk that
# nothing on this machine uses: no mounted filesystem on it or on any of its
# partitions, not the disk of / or /boot, no swap, no device-mapper or RAID
# device stacked on it. Symlinks (/dev/disk/by-id/...) are resolved first.
# The script shows the disk's vendor, model, size and transport, asks for
# confirmation (type the disk's name or "yes"), checks again that nothing
# mounted it meanwhile, writes with dd and fsync, flushes the kernel's
# buffers, reads back exactly the ISO's size and compares SHA-256 sums.
# Writing a disk needs root: run by a user, the script asks sudo to run it
# again as root.
#
# Environment:
#   YES=1     write without asking
#   IMAGE=1   DEV may be a regular file (an existing one, or a new one outside
#             /dev): written in place like a disk, synced and verified alike
# For the tests only (tests/tools/test_usb.py), never for a real write; the
# sudo re-run drops them:
#   LULL_USB_SYSFS      sysfs root [/sys], so a fake tree can call a loop
#                       device removable
#   LULL_USB_MOUNTINFO  mount table in mountinfo format [/proc/self/mountinfo]
#   LULL_USB_SWAPS      active swap areas [/proc/swaps]
#
# Exit status, one per refusal:
#    0  written and verified
#    1  an unexpected error (a command failed where none should)
#    2  usage: ISO or DEV missing from the command line
#    3  the ISO is missing, empty or unreadable
#    4  DEV does not exist
#    5  DEV is a regular file and IMAGE=1 was not given, or it is the ISO
#    6  DEV is neither a block device nor a regular file (a character
#       device, a directory, a FIFO, ...)
#    7  DEV is a block device that sysfs does not know: it cannot be checked
#    8  DEV is a partition, not a whole disk
#    9  DEV holds / or /boot
#   10  DEV is not removable
#   11  DEV or one of its partitions is mounted
#   12  DEV or one of its partitions is in use as swap
#   13  DEV or one of its partitions has holders (LVM, RAID, dm-crypt, ...)
#   14  DEV is read-only
#   15  DEV is smaller than the ISO
#   16  not confirmed
#   17  DEV cannot be opened for writing, or the write failed
#   18  verification failed: the bytes read back differ from the ISO
set -Eeuo pipefail
trap 'echo "usb: unexpected failure at line $LINENO" >&2; exit 1' ERR

SYS=${LULL_USB_SYSFS:-/sys}
MOUNTINFO=${LULL_USB_MOUNTINFO:-/proc/self/mountinfo}
SWAPS=${LULL_USB_SWAPS:-/proc/swaps}

refuse() { local status=$1; shift; echo "usb: refused: $*" >&2; exit "$status"; }
fail() { local status=$1; shift; echo "usb: $*" >&2; exit "$status"; }

if [ $# -ne 2 ] || [ -z "$1" ] || [ -z "$2" ]; then
  fail 2 "usage: make usb DEV=/dev/sdX  (or $0 ISO DEV; YES=1 skips the question, IMAGE=1 allows an image file)"
fi
iso=$1 dev=$2

if [ ! -f "$iso" ] || [ ! -r "$iso" ] || [ ! -s "$iso" ]; then
  fail 3 "the ISO $iso is missing, empty or unreadable (run make iso)"
fi
iso_size=$(stat -c %s -- "$iso")

# "maj:min" of a block device node, in decimal as sysfs and mountinfo write it.
dev_majmin() {
  local hex
  hex=$(stat -L -c '%t %T' -- "$1" 2>/dev/null) || return 1
  printf '%d:%d' "0x${hex% *}" "0x${hex#* }"
}

# One line of a sysfs attribute, blanks trimmed; empty when absent.
attr() {
  local value=
  [ -r "$1" ] && { read -r value <"$1" || true; }
  printf '%s' "$value"
}

# --- what DEV is --------------------------------------------------------------
# Decide on the resolved path: a by-id link names the disk, not itself.
# readlink -f prints nothing when a directory on the way is missing.
target=$(readlink -f -- "$dev" || true)
if [ -z "$target" ] || [ ! -e "$target" ]; then
  # A new image file is fine, except under /dev: there a missing name is a
  # mistyped disk, and the write would fill devtmpfs.
  if [ "${IMAGE:-}" = 1 ] && [ -n "$target" ] && [[ $target != /dev/* ]] &&
     [ -d "$(dirname -- "$target")" ]; then
    kind="file"
  elif [[ $dev != */* ]] && [ -b "/dev/$dev" ]; then
    refuse 4 "$dev does not exist here (the disk is /dev/$dev)"
  else
    refuse 4 "$dev does not exist"
  fi
elif [ -f "$target" ]; then
  [ "${IMAGE:-}" = 1 ] ||
    refuse 5 "$dev is a regular file, not a disk (IMAGE=1 writes an image file)"
  [ ! "$target" -ef "$iso" ] || refuse 5 "$dev is the ISO itself"
  kind="file"
elif [ -b "$target" ]; then
  kind=disk
elif [ -c "$target" ]; then
  refuse 6 "$dev is a character device, not a block device"
elif [ -d "$target" ]; then
  refuse 6 "$dev is a directory, not a block device"
else
  refuse 6 "$dev is not a block device"
fi

# --- the disk and everything stacked on it ------------------------------------
# stack: maj:min -> name for the disk, its partitions and, recursively, every
# device whose data passes through them (dm, md: sysfs "holders"). A mount or
# a swap area on any of them uses the disk. holders: the names of the
# stacked devices alone.
declare -A stack=()
holders=()

collect() {
  local dir=$1 mm entry
  mm=$(attr "$dir/dev")
  [ -n "$mm" ] && [ -z "${stack[$mm]:-}" ] || return 0
  stack[$mm]=${dir##*/}
  for entry in "$dir"/*/; do                    # partitions
    [ -e "$entry/partition" ] && collect "${entry%/}"
  done
  for entry in "$dir"/holders/*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    holders+=("${entry##*/}")
    collect "$(readlink -f -- "$entry")"
  done
  return 0
}

# Mount points on the stack: rootish gets /, /boot and /boot/efi, mounted the
# rest. A mount names its device by maj:min, and by its source path, which
# is the only real device name for btrfs and other anonymous-device mounts.
scan_mounts() {
  local line left right mm mnt source _ smm
  rootish=() mounted=()
  while IFS= read -r line; do
    left=${line%% - *} right=${line#* - }
    read -r _ _ mm _ mnt _ <<<"$left"
    read -r _ source _ <<<"$right"
    if [ -z "$mm" ] || [ -z "${stack[$mm]:-}" ]; then
      [[ $source == /* ]] || continue
      smm=$(dev_majmin "$source") || continue
      [ -n "${stack[$smm]:-}" ] || continue
    fi
    mnt=$(printf '%b' "$mnt")                   # mountinfo writes a space as \040
    case $mnt in
      /|/boot|/boot/efi) rootish+=("$mnt") ;;
      *) mounted+=("$mnt") ;;
    esac
  done <"$MOUNTINFO"
}

swap_on_stack() {
  local file _ mm
  [ -r "$SWAPS" ] || return 1
  while read -r file _; do
    [ "$file" != Filename ] || continue
    file=$(printf '%b' "$file")
    mm=$(dev_majmin "$file") && [ -n "${stack[$mm]:-}" ] && { echo "$file"; return 0; }
  done <"$SWAPS"
  return 1
}

check_not_rootish() {
  scan_mounts
  [ ${#rootish[@]} -eq 0 ] || refuse 9 "$dev holds ${rootish[*]}"
}

check_unused() {
  local swap
  [ ${#mounted[@]} -eq 0 ] || refuse 11 "$dev is mounted on ${mounted[*]}"
  swap=$(swap_on_stack) && refuse 12 "$dev is in use as swap ($swap)"
  [ ${#holders[@]} -eq 0 ] ||
    refuse 13 "$dev is held by ${holders[*]} (LVM, RAID or dm-crypt); deactivate it first"
}

if [ "$kind" = disk ]; then
  majmin=$(dev_majmin "$target")
  sysdir=$SYS/dev/block/$majmin
  [ -e "$sysdir/dev" ] ||
    refuse 7 "$dev (block device $majmin) is not in $SYS/dev/block; it cannot be checked"
  sysdir=$(readlink -f -- "$sysdir")
  name=${sysdir##*/}
  if [ -e "$sysdir/partition" ]; then
    parent=${sysdir%/*}
    refuse 8 "$dev is partition $name; give the whole disk (/dev/${parent##*/})"
  fi
  collect "$sysdir"
  check_not_rootish
  [ "$(attr "$sysdir/removable")" = 1 ] ||
    refuse 10 "$dev ($name) is not a removable disk"
  check_unused
  [ "$(attr "$sysdir/ro")" != 1 ] || refuse 14 "$dev is read-only"
  sectors=$(attr "$sysdir/size")
  [[ $sectors =~ ^[0-9]+$ ]] || fail 7 "$SYS says nothing of $name's size"
  size=$((sectors * 512))                       # sysfs counts 512-byte sectors
  [ "$size" -ge "$iso_size" ] ||
    refuse 15 "$dev holds $size bytes, the ISO needs $iso_size"
  # The checks above need no privilege, so a refusal asks for no password.
  # sudo runs them again, as root, before the question.
  if [ ! -w "$target" ]; then
    if [ "$(id -u)" = 0 ] || ! command -v sudo >/dev/null; then
      fail 17 "cannot open $target for writing as $(id -un); run this as root"
    fi
    echo "usb: writing $target needs root; asking sudo" >&2
    exec sudo -- env YES="${YES:-}" IMAGE="${IMAGE:-}" \
      "$(readlink -f -- "$0")" "$iso" "$dev"
  fi

  vendor=$(attr "$sysdir/device/vendor") model=$(attr "$sysdir/device/model")
  case $sysdir in
    */usb[0-9]*/*) transport=usb ;;
    */nvme*) transport=nvme ;;
    */ata[0-9]*/*) transport=ata ;;
    */mmc_host/*) transport=mmc ;;
    */virtio[0-9]*/*) transport=virtio ;;
    *) transport=unknown ;;
  esac
  tenths=$((size * 10 / 1073741824))
  echo "device:    $dev -> $target ($name)"
  echo "model:     ${vendor:-?} ${model:-?}"
  echo "size:      $size bytes ($((tenths / 10)).$((tenths % 10)) GiB)"
  echo "transport: $transport"
else
  name=${target##*/}
  if [ -e "$target" ]; then
    [ -w "$target" ] || fail 17 "cannot open $target for writing"
  else
    [ -w "$(dirname -- "$target")" ] || fail 17 "cannot create $target"
  fi
  echo "image:     $target (a regular file, IMAGE=1)"
fi
echo "ISO:       $iso ($iso_size bytes)"

# --- confirm ------------------------------------------------------------------
if [ "${YES:-}" != 1 ]; then
  printf 'Everything on %s will be lost. Type %s or yes to write, anything else aborts: ' \
    "$dev" "$name" >&2
  answer=
  read -r answer || true
  [ -t 0 ] || echo >&2                          # the answer did not end the line
  case $answer in
    yes|"$name"|"$dev"|"$target") ;;
    *) refuse 16 "not confirmed; nothing written" ;;
  esac
fi

# A desktop may have mounted the stick while the question waited.
if [ "$kind" = disk ]; then
  stack=() holders=()
  collect "$sysdir"
  check_not_rootish
  check_unused
fi

# --- write, flush, verify -----------------------------------------------------
# conv=fsync: dd returns only once the data reached the device. notrunc: an
# image file keeps its size, like a disk.
progress=none
[ -t 2 ] && progress=progress
dd if="$iso" of="$target" bs=4M conv=fsync,notrunc status="$progress" ||
  fail 17 "writing $target failed"
if [ "$kind" = disk ]; then
  # Drop the kernel's cached copy, so the read-back comes from the device.
  blockdev --flushbufs "$target" || fail 17 "blockdev --flushbufs $target failed"
fi

want=$(sha256sum <"$iso") want=${want%% *}
got=$(head -c "$iso_size" -- "$target" | sha256sum) ||
  fail 18 "reading $target back failed"
got=${got%% *}
echo "sha256 $want  $iso"
echo "sha256 $got  $target (first $iso_size bytes)"
[ "$want" = "$got" ] ||
  fail 18 "verification FAILED: $target does not hold the ISO"
echo "usb: written and verified: $iso_size bytes on $target"
