; The first higher-half instructions: a stack, then C.
;
; long_mode_low (boot/entry32.asm) jumps here with kmain's arguments in
; rdi, rsi, rdx. The stack below serves only until kmain moves the boot CPU
; to a kernel stack with a guard page (mm/kstack.c).

extern kmain

section .text.entry
bits 64
global start64
start64:
	mov rsp, boot_stack_top
	xor ebp, ebp                    ; ends the frame-pointer chain for backtraces
	call kmain
.halt:                                  ; kmain does not return
	cli
	hlt
	jmp .halt

section .bss
alignb 16
boot_stack:     resb 16384
boot_stack_top:

; An AP arrives here from the trampoline (boot/trampoline.asm) on the
; trampoline's page tables, with its stack set, rdi = its struct percpu and
; rsi = the kernel's CR3. The kernel half is mapped in both, so switching
; CR3 here is seamless.
extern ap_main
section .text
global ap_entry64
ap_entry64:
	mov cr3, rsi
	xor ebp, ebp
	call ap_main
.halt:
	cli
	hlt
	jmp .halt
