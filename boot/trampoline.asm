; The AP trampoline: real mode to long mode in one page below 1 MiB.
;
; The start-up IPI starts the AP at CS = page << 8, IP = 0. This code is
; copied to that page and must run at any such address, so it addresses its
; parameter block (boot/trampoline.h) relative to CS in real mode and
; relative to RIP in long mode; the boot CPU wrote the absolute addresses
; it cannot compute (GDT base, far-jump target) into the block.
;
; Real mode straight to long mode: with PAE, LME and a page table already
; set, turning on PE and PG together enters compatibility mode; a far jump
; to a 64-bit code segment finishes the switch. CR3 is written while still
; in 32-bit-sized registers, which is why the trampoline's page tables are
; below 4 GiB.

%include "trampoline.inc"

CR0_PE    equ 1 << 0
CR0_WP    equ 1 << 16
CR0_NW    equ 1 << 29
CR0_CD    equ 1 << 30
CR0_PG    equ 1 << 31
CR4_PAE   equ 1 << 5
MSR_EFER  equ 0xc0000080
EFER_LME  equ 1 << 8
EFER_NXE  equ 1 << 11

section .rodata
global trampoline_start, trampoline_end

bits 16
trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	o32 lgdt [AP_PARAMS_OFFSET + AP_GDT_LIMIT]
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, [AP_PARAMS_OFFSET + AP_TRAMP_CR3]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr
	mov eax, cr0
	and eax, ~(CR0_CD | CR0_NW)             ; INIT leaves the caches disabled
	or eax, CR0_PE | CR0_PG | CR0_WP
	mov cr0, eax
	jmp dword far [AP_PARAMS_OFFSET + AP_FAR_OFFSET]

bits 64
	align 16
global trampoline_long
trampoline_long:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	; Take the parameters; an AP that finds them taken (one that woke up
	; after its time-out) parks instead of using another CPU's stack.
	mov eax, 1
	xchg [rel params + AP_CLAIMED], eax    ; xchg with memory: a full barrier
	test eax, eax
	jnz .park
	mov rsp, [rel params + AP_STACK_TOP]
	mov rdi, [rel params + AP_PERCPU]
	mov rsi, [rel params + AP_KERNEL_CR3]
	mov rax, [rel params + AP_ENTRY]
	jmp rax                                 ; into the higher half
.park:
	cli
	hlt
	jmp .park

	; A negative count stops the build: the code must end before the block.
	times AP_PARAMS_OFFSET - ($ - trampoline_start) db 0
params:
	times AP_PARAMS_SIZE db 0
trampoline_end:
