; _start: where every user program begins (the ELF entry, see user/user.ld).
;
; The kernel enters here in ring 3 with RDI = the program's one argument and
; RSP 16-byte aligned (kernel/syscall_abi.h). That is already what a call
; to main(arg) needs: the CALL pushes 8 bytes, so main finds RSP + 8 aligned
; to 16 as the System V ABI requires.

extern main
extern sys_exit

section .text
bits 64

global _start
_start:
	xor ebp, ebp            ; end of the frame-pointer chain for debuggers
	call main               ; RDI = arg, untouched since the kernel set it
	movsxd rdi, eax         ; main returns an int: exit(-1) stays -1
	call sys_exit           ; RSP is aligned again after main's RET
	ud2                     ; sys_exit does not return

; Empty, but present in every program: user/user.ld needs an input .data
; to give a program without data its data segment at its own page.
section .data
section .bss

; No executable stack wanted (the linker would otherwise warn about it).
section .note.GNU-stack noalloc noexec nowrite progbits
