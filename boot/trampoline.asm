; The AP trampoline: real mode to long mode in one page below 1 MiB.
;
; The start-up IPI starts the AP at CS = page << 8, IP = 0. This code is
; copied to that page and must run at any such address, so it addresses its
; parameter block (boot/trampoline.h) relative to CS in real mode and
; relative to RIP in long mode; the boot CPU wrote the absolute addresses
; it cannot compute (GDT base, far-jump target) into the block.
;
; Real mode straight to long mode (boot/long_mode.inc): with PAE, LME and a
; page table set, turning on PE and PG together enters compatibility mode;
; a far jump to a 64-bit code segment finishes the switch. CR3 is written
; from a 32-bit register, which is why the trampoline's page tables are
; below 4 GiB.

%include "trampoline.inc"
%include "boot/long_mode.inc"

section .rodata
global trampoline_start, trampoline_end

bits 16
trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	o32 lgdt [AP_PARAMS_OFFSET + AP_GDT_LIMIT]
	ENTER_LONG_MODE [AP_PARAMS_OFFSET + AP_TRAMP_CR3]
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
