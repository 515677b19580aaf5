# lull: build, boot and test.
#
#   make              build/lull.elf
#   make iso          build/lull.iso (hybrid BIOS + UEFI)
#   make run          boot the ISO in QEMU, serial on this terminal
#   make debug        the same, halted, with a gdb stub (then: make gdb)
#   make usb DEV=/dev/sdX
#                     write the ISO to a USB stick and verify it (tools/usb.sh
#                     refuses anything but an unused removable whole disk)
#   make test         host unit tests + the QEMU and Bochs matrices + the
#                     bad-boot-input table + the spin models;
#                     ends "N passed, N failed"
#   make model        the spin models of tests/model only (seconds)
#   make tlbsim       the machine model of tests/tlbsim only (a minute)
#   make bench        the experiment at 2-16 CPUs: build/bench/results.{json,md}, plots
#   make bench-linux  stock Debian Linux in the same QEMU, beside lull's figures
#   make soak         storm, probes and fuzzer together for SOAK_MINUTES
#
# Knobs (make VAR=value):
CPUS     ?= 8
MEM      ?= 512M
FIRMWARE ?= bios
MACHINE  ?= pc
CMDLINE  ?=
BENCH_CPUS    ?= 2,4,8,16
BENCH_FLUSHES ?= 300
ACCEL    ?= tcg
CROSS    ?=
DEBUG    ?= 1
V        ?= 0

# --- toolchain ---------------------------------------------------------------
# The host gcc is the default; CC=clang works; CROSS=x86_64-elf- picks a cross
# toolchain. Only variables still at make's built-in value are overridden.
ifeq ($(origin CC),default)
CC := $(CROSS)gcc
endif
ifeq ($(origin LD),default)
LD := $(CROSS)ld
endif
OBJCOPY ?= $(CROSS)objcopy
NM      ?= $(CROSS)nm
NASM    ?= nasm
HOSTCC  ?= gcc
PYTHON  ?= python3

ifeq ($(V),1)
Q :=
say := @true
else
Q := @
say = @printf '  %-7s %s\n'
endif

IS_CLANG := $(findstring clang,$(shell $(CC) --version 2>/dev/null | head -n 1))

# Flags every kernel object needs whatever the user passes in CFLAGS.
override KCFLAGS := -std=gnu11 -ffreestanding -fno-stack-protector -fno-pic \
	-fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -mno-mmx \
	-mno-sse -mno-sse2 -fno-omit-frame-pointer -fno-common \
	-fno-strict-aliasing -fcf-protection=none -fno-asynchronous-unwind-tables \
	-I. -Ibuild/gen -MMD -MP
ifeq ($(DEBUG),1)
override KCFLAGS += -DLULL_DEBUG
endif
ifneq ($(IS_CLANG),)
override KCFLAGS += --target=x86_64-unknown-none-elf -mno-omit-leaf-frame-pointer
else
override KCFLAGS += -fno-stack-clash-protection -mno-omit-leaf-frame-pointer
endif
CFLAGS   ?= -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter
override NASMFLAGS := -f elf64 -g -F dwarf -I. -Ibuild/gen/ -MD -MP
override LDFLAGS_K := -nostdlib -n -T linker.ld -z max-page-size=0x1000 \
	-z noexecstack --no-warn-rwx-segments

# --- kernel sources: every file in the kernel's folders ----------------------
KDIRS := boot arch/x86_64 mm smp kernel tests/kernel
KSRC_C   := $(foreach d,$(KDIRS),$(wildcard $(d)/*.c))
KSRC_ASM := $(foreach d,$(KDIRS),$(wildcard $(d)/*.asm))
KOBJS := $(patsubst %.c,build/%.o,$(KSRC_C)) \
	 $(patsubst %.asm,build/%.o,$(KSRC_ASM)) \
	 build/gen/font.o build/gen/user_programs.o

FONT := /usr/share/consolefonts/Uni2-VGA16.psf.gz

.PHONY: all iso run debug usb gdb test test-large test-bochs bench bench-host bench-linux soak \
	host-test model tlbsim deps clean
all: build/lull.elf

# Objects depend on the flags: a changed CC, DEBUG or CFLAGS rebuilds them.
build/kflags.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(KCFLAGS) $(CFLAGS)' | cmp -s - $@ || echo '$(CC) $(KCFLAGS) $(CFLAGS)' > $@
$(KOBJS): build/kflags.txt

build/%.o: %.c
	$(say) CC $<
	@mkdir -p $(@D)
	$(Q)$(CC) $(KCFLAGS) $(CFLAGS) -c $< -o $@

build/%.o: %.asm
	$(say) NASM $<
	@mkdir -p $(@D)
	$(Q)$(NASM) $(NASMFLAGS) -MF build/$*.d $< -o $@

# The AP trampoline's parameter offsets, from their one definition in C.
build/gen/trampoline.inc: boot/trampoline.h
	@mkdir -p $(@D)
	$(Q)sed -n 's/^#define \(AP_[A-Z0-9_]*\) *\([0-9a-fx]*\).*/%define \1 \2/p' $< > $@
build/boot/trampoline.o: build/gen/trampoline.inc

# The entry area's layout for the entry stubs, from arch/x86_64/entry_area.h.
build/gen/entry_area.inc: arch/x86_64/entry_area.h
	@mkdir -p $(@D)
	$(Q)sed -n 's/^#define \([A-Z][A-Z0-9_]*\) *\(0x[0-9a-f]*\|[0-9][0-9]*\)\( .*\)*$$/%define \1 \2/p' $< > $@
build/arch/x86_64/entry.o: build/gen/entry_area.inc

build/gen/font.c: tools/psf2c.py
	$(say) GEN $@
	@mkdir -p $(@D)
	$(Q)[ -r $(FONT) ] || tools/deps.sh
	$(Q)$(PYTHON) tools/psf2c.py $(FONT) $@

build/gen/font.o: build/gen/font.c
	$(say) CC $<
	$(Q)$(CC) $(KCFLAGS) $(CFLAGS) -c $< -o $@

# The symbol table for backtraces is linked last (see linker.ld), so its size
# moves no other symbol: link once with an empty table, generate the real one
# from that image, link again, and check that nothing moved.
build/gen/symtab.empty.S:
	@mkdir -p $(@D)
	$(Q)$(PYTHON) tools/symtab.py --empty > $@

build/gen/%.o: build/gen/%.S
	$(say) AS $<
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

build/lull.elf: $(KOBJS) build/gen/symtab.empty.o linker.ld tools/symtab.py
	$(say) LD $@
	$(Q)$(LD) $(LDFLAGS_K) -o build/lull.pass1.elf $(KOBJS) build/gen/symtab.empty.o
	$(Q)$(NM) -n build/lull.pass1.elf | $(PYTHON) tools/symtab.py > build/gen/symtab.S
	$(Q)$(CC) $(KCFLAGS) -c build/gen/symtab.S -o build/gen/symtab.o
	$(Q)$(LD) $(LDFLAGS_K) -o $@ $(KOBJS) build/gen/symtab.o
	$(Q)$(NM) -n $@ | $(PYTHON) tools/symtab.py --same-as build/gen/symtab.S

# --- user programs -------------------------------------------------------------
# Every user/<name>.c is a ring-3 program, build/user/<name>.elf: a static
# ET_EXEC at USER_IMAGE_BASE laid out by user/user.ld, linked with its own
# parts in user/<name>/*.c if it has any, with the small
# libc of user/lib/ and with the kernel's own kernel/format.c and
# kernel/string.c, compiled a second time for user space. tools/mkprogs.py
# writes build/gen/user_programs.asm, which embeds every ELF in the kernel's
# .rodata behind the table of kernel/programs.h. See user/README.md.
#
# User objects are ordinary code: never -mcmodel=kernel, SSE allowed (the
# kernel saves it per task), red zone allowed (interrupts switch stacks).
# The static pattern rules below take precedence over the kernel's
# build/%.o rules, which would otherwise also match build/user/....
override UCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fcf-protection=none -fno-builtin \
	-fno-asynchronous-unwind-tables -Wall -Wextra -Werror \
	-Wno-unused-parameter -I. -Iuser/lib -MMD -MP
ifneq ($(IS_CLANG),)
override UCFLAGS += --target=x86_64-unknown-none-elf
else
override UCFLAGS += -fno-stack-clash-protection
endif
override LDFLAGS_U := -nostdlib -static -T user/user.ld -z max-page-size=0x1000 \
	-z noexecstack

USER_PROGS     := $(sort $(basename $(notdir $(wildcard user/*.c))))
USER_ELFS      := $(patsubst %,build/user/%.elf,$(USER_PROGS))
USER_MAIN_OBJS := $(patsubst %,build/user/%.o,$(USER_PROGS))
USER_PART_OBJS := $(patsubst user/%.c,build/user/%.o,$(wildcard $(USER_PROGS:%=user/%/*.c)))
USER_LIB_OBJS  := $(patsubst user/%.c,build/user/%.o,$(wildcard user/lib/*.c))
USER_KLIB_OBJS := build/user/kernel/format.o build/user/kernel/string.o
# crt0 first, so that _start opens the text segment.
USER_LIB       := build/user/lib/crt0.o $(USER_LIB_OBJS) $(USER_KLIB_OBJS)

# As build/kflags.txt: a changed CC or linker rebuilds every program.
build/user/uflags.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(UCFLAGS) $(LD) $(LDFLAGS_U)' | cmp -s - $@ || \
		echo '$(CC) $(UCFLAGS) $(LD) $(LDFLAGS_U)' > $@

$(USER_MAIN_OBJS) $(USER_PART_OBJS) $(USER_LIB_OBJS): build/user/%.o: user/%.c build/user/uflags.txt
	$(say) UCC $<
	@mkdir -p $(@D)
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

$(USER_KLIB_OBJS): build/user/%.o: %.c build/user/uflags.txt
	$(say) UCC $<
	@mkdir -p $(@D)
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

build/user/lib/crt0.o: user/lib/crt0.asm
	$(say) NASM $<
	@mkdir -p $(@D)
	$(Q)$(NASM) $(NASMFLAGS) -MF build/user/lib/crt0.d $< -o $@

# A program's parts (build/user/<name>/*.o) are found by a second expansion,
# once make knows the stem (a literal % there would be taken for the stem).
user_parts = $(filter build/user/$(1)/%,$(USER_PART_OBJS))
.SECONDEXPANSION:
$(USER_ELFS): build/user/%.elf: build/user/%.o $$(call user_parts,$$*) $(USER_LIB) \
		user/user.ld build/user/uflags.txt
	$(say) LD $@
	$(Q)$(LD) $(LDFLAGS_U) -o $@ $(USER_LIB) $< $(call user_parts,$*)

# The program list as a file that changes only when the list does: adding
# or removing a program regenerates the table.
build/user/programs.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(USER_PROGS)' | cmp -s - $@ || echo '$(USER_PROGS)' > $@

build/gen/user_programs.asm: tools/mkprogs.py build/user/programs.txt
	$(say) GEN $@
	@mkdir -p $(@D)
	$(Q)$(PYTHON) tools/mkprogs.py $@ $(USER_ELFS)

# incbin copies each ELF's bytes: any program that changed reassembles this.
build/gen/user_programs.o: build/gen/user_programs.asm $(USER_ELFS)
	$(say) NASM $<
	$(Q)$(NASM) $(NASMFLAGS) -MF build/gen/user_programs.d $< -o $@

# --- ISO ---------------------------------------------------------------------
# build/cmdline.txt changes only when CMDLINE does, so the ISO is rebuilt
# exactly when its command line or kernel changed.
build/cmdline.txt: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(CMDLINE)' | cmp -s - $@ || printf '%s\n' '$(CMDLINE)' > $@

build/lull.iso: build/lull.elf build/cmdline.txt iso/grub.cfg tools/mkiso.sh
	$(say) ISO $@
	$(Q)tools/mkiso.sh build/lull.elf "$$(cat build/cmdline.txt)" $@

iso: build/lull.iso

# --- USB stick ---------------------------------------------------------------
# make usb DEV=/dev/sdX [YES=1] [IMAGE=1]: the ISO onto a stick, for real
# hardware. tools/usb.sh checks that DEV is a removable, unused whole disk,
# asks before writing (YES=1 does not), reads the stick back and compares
# checksums; IMAGE=1 lets DEV be an image file. Run by a user, it asks sudo
# for the write. A missing DEV is reported before the ISO is built.
ifneq ($(filter usb,$(MAKECMDGOALS)),)
ifeq ($(strip $(DEV)),)
$(error make usb needs DEV, the stick's whole disk: make usb DEV=/dev/sdX (lsblk -d lists disks))
endif
endif

usb: iso
	YES='$(YES)' IMAGE='$(IMAGE)' tools/usb.sh build/lull.iso "$(DEV)"

# --- run, debug, test ----------------------------------------------------------
QEMU_ENV = CPUS=$(CPUS) MEM=$(MEM) FIRMWARE=$(FIRMWARE) MACHINE=$(MACHINE) ACCEL=$(ACCEL)

deps:
	@tools/deps.sh

run: deps iso
	$(QEMU_ENV) tools/qemu.sh build/lull.iso

debug: deps iso
	@echo "QEMU is halted with a gdb stub on :1234; in another terminal: make gdb"
	$(QEMU_ENV) tools/qemu.sh build/lull.iso -s -S

gdb: build/lull.elf
	gdb -q -x tools/gdbinit build/lull.elf

# Host unit tests (cmocka) of the kernel's pure logic: these sources build
# unchanged for the host, and each tests/host/test_*.c links against them.
HOST_PURE := kernel/format.c kernel/string.c kernel/cmdline.c \
	kernel/multiboot2.c mm/memmap.c mm/frame_bitmap.c arch/x86_64/acpi.c \
	smp/cpumask.c smp/cpulist.c smp/housekeeping.c mm/va_tree.c mm/rbtree.c kernel/elf.c \
	kernel/shell_line.c arch/x86_64/scancode.c mm/ptdump.c
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-I. -DLULL_HOST -fno-builtin -MMD -MP
HOST_TESTS := $(patsubst tests/host/%.c,build/host/%,$(wildcard tests/host/test_*.c))
HOST_OBJS := $(patsubst %.c,build/host/obj/%.o,$(HOST_PURE))

build/host/obj/%.o: %.c
	$(say) HOSTCC $<
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

build/host/%: tests/host/%.c $(HOST_OBJS)
	$(say) HOSTLD $@
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $< $(HOST_OBJS) -lcmocka -o $@

# The machine model (tests/tlbsim/sim.h): the kernel's own mm/tlb.c and
# mm/pti_cr3.c, built for the host against a simulated x86-64 whose MMU
# instructions stand behind tests/tlbsim/include/arch/x86_64/mmu.h (first
# on the include path). LULL_DEBUG as in the default kernel: its entry
# check runs too.
TLBSIM_KSRC := mm/tlb.c mm/pti_cr3.c
TLBSIM_SRC := $(wildcard tests/tlbsim/*.c) $(TLBSIM_KSRC)
TLBSIM_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-Itests/tlbsim/include -I. -DLULL_DEBUG -MMD -MP
TLBSIM_OBJS := $(patsubst %.c,build/tlbsim/obj/%.o,$(TLBSIM_SRC))

build/tlbsim/obj/%.o: %.c
	$(say) SIMCC $<
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(TLBSIM_CFLAGS) -c $< -o $@

build/tlbsim/tlbsim: $(TLBSIM_OBJS)
	$(say) HOSTLD $@
	$(Q)$(HOSTCC) $(TLBSIM_OBJS) -o $@

# Every variant of the machine model; TLBSIM_SEED=N replays a random search.
tlbsim: build/tlbsim/tlbsim
	@$(PYTHON) tools/test.py --tlbsim build/tlbsim/tlbsim

# Host tests of kernel code that executes MMU instructions: built against
# the machine model's arch/x86_64/mmu.h, with the kernel file linked in.
build/host/sim/%.o: %.c
	$(say) HOSTCC $<
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) -Itests/tlbsim/include $(HOST_CFLAGS) -c $< -o $@

build/host/test_uvm_free: tests/host/test_uvm_free.c build/host/sim/mm/uvm.o
	$(say) HOSTLD $@
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) -Itests/tlbsim/include $(HOST_CFLAGS) $(filter %.c %.o,$^) -lcmocka -o $@

host-test: deps $(HOST_TESTS)
	@$(PYTHON) tools/test.py --host $(HOST_TESTS)

test: deps build/lull.elf $(HOST_TESTS) build/tlbsim/tlbsim
	@$(PYTHON) tools/test.py --host $(HOST_TESTS) --matrix tests/matrix.txt \
		--matrix tests/matrix-bochs.txt --boot-input tests/bad-boot-input.txt \
		--model tests/model --tlbsim build/tlbsim/tlbsim

# The deferred-flush protocol in spin, each variant of tests/model/variants.txt.
model: deps
	@$(PYTHON) tools/test.py --model tests/model

# The vmalloc index against a first-fit list: operations per second (figures, not a test).
bench-host: build/host/bench_va_tree
	build/host/bench_va_tree

# --- the experiment's figures -----------------------------------------------------
# Debian's python3 has matplotlib (tools/deps.sh installs it) for the plots;
# another python3 first on PATH may not.
BENCH_PY := $(firstword $(wildcard /usr/bin/python3) $(PYTHON))

# The experiment at 2, 4, 8 and 16 CPUs, then the round trips under Bochs
# (docs/bench.md): build/bench/results.json, results.md and two plots. One
# boot at a time; about half an hour under TCG on two cores. Not in make test.
# BENCH_CPUS="2,4" and BENCH_FLUSHES=N choose a smaller run.
bench: deps build/lull.elf
	@BENCH_CPUS="$(BENCH_CPUS)" BENCH_FLUSHES="$(BENCH_FLUSHES)" $(BENCH_PY) tools/bench.py

# Storms, probes and fuzzers together for SOAK_MINUTES on CPUS CPUs (upper
# half isolated), with the flush invariants and leak checks of suite soak
# (tests/kernel/soak_test.c); its counters every 5 s. Not in make test,
# which runs the 20-second line soak-4.
SOAK_MINUTES ?= 10
soak: deps build/lull.elf
	@mkdir -p build/soak
	@n=$(CPUS); lo=$$((n - n / 2)); s=$$(( $(SOAK_MINUTES) * 60 )); \
	echo "soak-$$n bios q35 $$n $(MEM) pass ktest=soak nohz_full=$$lo-$$((n - 1)) \
	soak_seconds=$$s @timeout=$$((s * 2 + 600)) @show=soak:" > build/soak/matrix.txt
	@$(PYTHON) tools/test.py --matrix build/soak/matrix.txt

# --- stock Linux beside lull ---------------------------------------------------
# Debian's own kernel in the same QEMU: IPIs reaching isolated CPUs per
# flush_tlb_kernel_range (docs/bench-linux.md). Fetches packages with apt-get
# download into build/linux-cache; writes build/bench/linux.json and linux.md.
# CPUS may list several counts (make bench-linux CPUS="4 8"); ISOLATE=,
# FLUSHES=, TIMEOUT= and LINUX_IMAGE= are read from the environment.
bench-linux: deps
	CPUS="$(CPUS)" MEM=$(MEM) MACHINE=$(MACHINE) $(PYTHON) tools/bench_linux.py
	@$(BENCH_PY) tools/bench.py --render

# 16 and 64 CPUs: correct but slow under TCG on a two-core host.
test-large: deps build/lull.elf
	@$(PYTHON) tools/test.py --matrix tests/matrix-large.txt -j 1

# The PCID and x2APIC paths, under Bochs (tests/matrix-bochs.txt).
test-bochs: deps build/lull.elf
	@$(PYTHON) tools/test.py --matrix tests/matrix-bochs.txt

clean:
	rm -rf build

FORCE:
.PHONY: FORCE
# Keep every intermediate object: make would otherwise delete the host objects.
.SECONDARY:

-include $(shell find build -name '*.d' 2>/dev/null)
