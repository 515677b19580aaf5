; Interrupt and exception entry stubs.
;
; Every vector gets a stub that makes the stack look the same (an error code,
; zero where the CPU pushes none, then the vector number) and jumps to
; trap_common, which saves the registers as a struct trap_frame
; (arch/x86_64/traps.h) and calls trap_dispatch(frame).
;
; GS: on entry from ring 3, GS base still holds the user value; SWAPGS makes
; it the kernel's per-CPU pointer and the exit path swaps it back. Entries
; from ring 0 already have the kernel's.

%define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

extern trap_dispatch

section .text
bits 64

%macro TRAP_STUB 1
align 16
trap_stub_%1:
%if !HAS_ERROR_CODE(%1)
	push 0
%endif
	push %1
	jmp trap_common
%endmacro

%assign v 0
%rep 256
TRAP_STUB v
%assign v v + 1
%endrep

; Offsets in struct trap_frame: 15 registers, then vector, error, rip, cs.
FRAME_CS equ 18 * 8

trap_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	test byte [rsp + FRAME_CS], 3
	jz .from_kernel
	swapgs
.from_kernel:
	cld                             ; the C ABI expects DF clear
	mov rdi, rsp
	call trap_dispatch
	test byte [rsp + FRAME_CS], 3
	jz .to_kernel
	swapgs
.to_kernel:
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                     ; vector and error code
	iretq

; The table idt_init() reads: the address of each vector's stub.
section .rodata
align 8
global trap_stub_table
trap_stub_table:
%assign v 0
%rep 256
	dq trap_stub_ %+ v
%assign v v + 1
%endrep
