; From GRUB to C: the 32-bit entry, the CPU checks, the early page tables
; and the switch to long mode.
;
; GRUB enters start32 in 32-bit protected mode, paging off, with
;   eax = multiboot2 magic, ebx = physical address of the boot information.
; Everything here runs at its physical address (linker.ld). Once in long mode
; we jump to start64, linked in the higher half, which calls kmain().
;
; The early page tables map two windows onto physical memory with 2 MiB pages:
;   identity, 0..4 GiB:          this code, and the boot information, which
;                                GRUB may place anywhere below 4 GiB;
;   KERNEL_VMA (-2 GiB), 0..1 GiB: the kernel proper.
; mm/paging.c replaces them with tables that carry real permissions.

MB2_BOOT_MAGIC equ 0x36d76289
KERNEL_VMA     equ 0xffffffff80000000
COM1           equ 0x3f8

%include "boot/long_mode.inc"

PTE_P     equ 1 << 0
PTE_W     equ 1 << 1
PTE_PS    equ 1 << 7

extern start64

section .boot.text
bits 32
global start32
start32:
	cli
	cld
	mov esp, early_stack_top
	mov esi, eax                    ; keep magic and boot information:
	mov edi, ebx                    ; cpuid below clobbers eax..edx

	cmp esi, MB2_BOOT_MAGIC
	jne .not_multiboot2

	; CPUID exists when EFLAGS.ID (bit 21) can be toggled.
	pushfd
	pop eax
	mov ecx, eax
	xor eax, 1 << 21
	push eax
	popfd
	pushfd
	pop eax
	push ecx
	popfd
	cmp eax, ecx
	je .no_long_mode

	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29               ; LM
	jz .no_long_mode
	test edx, 1 << 20               ; NX
	jz .no_nx

	rdtsc                           ; the boot-time clock starts here
	mov [boot_tsc], eax
	mov [boot_tsc + 4], edx

	call build_early_page_tables

	ENTER_LONG_MODE early_pml4

	lgdt [early_gdt_ptr]
	jmp 0x08:long_mode_low          ; load a 64-bit CS: long mode proper

.not_multiboot2:
	mov esi, msg_not_mb2
	jmp fatal32
.no_long_mode:
	mov esi, msg_no_lm
	jmp fatal32
.no_nx:
	mov esi, msg_no_nx
	jmp fatal32

; Zero the tables (GRUB need not clear .boot.bss), then fill them.
build_early_page_tables:
	push edi
	mov edi, early_tables
	mov ecx, (early_tables_end - early_tables) / 4
	xor eax, eax
	rep stosd

	mov dword [early_pml4], early_pdpt_low + (PTE_P | PTE_W)
	mov dword [early_pml4 + 511 * 8], early_pdpt_high + (PTE_P | PTE_W)
	; pdpt_low[0..3] -> the four page directories: identity 0..4 GiB.
	mov edi, early_pdpt_low
	mov eax, early_pd + (PTE_P | PTE_W)
	mov ecx, 4
.pdpt:
	mov [edi], eax
	add eax, 4096
	add edi, 8
	loop .pdpt
	; pdpt_high[510] -> the first directory: -2 GiB maps 0..1 GiB.
	mov dword [early_pdpt_high + 510 * 8], early_pd + (PTE_P | PTE_W)
	; 2048 large pages of 2 MiB each; the high dword holds bits 32..35.
	mov edi, early_pd
	xor eax, eax
	xor edx, edx
	mov ecx, 2048
.pd:
	mov ebx, eax
	or ebx, PTE_P | PTE_W | PTE_PS
	mov [edi], ebx
	mov [edi + 4], edx
	add eax, 0x200000
	adc edx, 0
	add edi, 8
	loop .pd
	pop edi
	ret

; Print the message at esi on COM1 and on the VGA text screen, then stop.
; Used before anything else exists, so it polls the UART with a bound
; (a machine without COM1 must not hang here) and writes VGA memory directly.
fatal32:
	mov edi, 0xb8000
.next:
	lodsb
	test al, al
	jz .halt
	mov bl, al
	mov ecx, 100000
	mov dx, COM1 + 5                ; line status: wait for THR empty
.wait:
	in al, dx
	test al, 0x20
	jnz .send
	loop .wait
.send:
	mov dx, COM1
	mov al, bl
	out dx, al
	mov ah, 0x4f                    ; white on red
	mov [edi], ax
	add edi, 2
	jmp .next
.halt:
	cli
	hlt
	jmp .halt

bits 64
long_mode_low:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	; Hand kmain(magic, boot information, boot TSC) its arguments.
	mov rdx, [boot_tsc]
	mov esi, edi                    ; zero-extends: boot information is < 4 GiB
	mov edi, MB2_BOOT_MAGIC
	mov rax, start64
	jmp rax

section .boot.data
align 8
boot_tsc: dq 0

early_gdt:
	dq 0
	dq 0x00af9a000000ffff           ; 0x08: 64-bit code, DPL 0
	dq 0x00cf92000000ffff           ; 0x10: data, DPL 0
early_gdt_ptr:
	dw early_gdt_ptr - early_gdt - 1
	dd early_gdt

msg_not_mb2: db "lull: not started by a multiboot2 loader (use GRUB 2); halting.", 13, 10, 0
msg_no_lm:   db "lull: this CPU has no 64-bit long mode; lull needs an x86-64 CPU. Halting.", 13, 10, 0
msg_no_nx:   db "lull: this CPU has no NX (no-execute) bit, which lull needs for W^X. Halting.", 13, 10, 0

section .boot.bss nobits
alignb 4096
early_tables:
early_pml4:      resb 4096
early_pdpt_low:  resb 4096
early_pdpt_high: resb 4096
early_pd:        resb 4 * 4096
early_tables_end:
early_stack:     resb 4096
early_stack_top:
