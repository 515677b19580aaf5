; Every way into the kernel and back out: interrupts and exceptions (one
; stub per vector), SYSCALL, and the paranoid entry of NMI, #MC and #DF.
;
; All of it lives in .entry.text, the only kernel text the user page tables
; map (mm/pti.h): until the CR3 switch below, nothing else of the kernel is
; reachable. Each path builds the same struct trap_frame
; (arch/x86_64/traps.h) on the running task's kernel stack and calls C.
;
; The three questions every path answers, in this order:
;   GS    on entry from user mode GS base is the user's; SWAPGS makes it the
;         entry area (arch/x86_64/entry_area.h), whose words the stub needs
;         before anything else. The exit swaps back.
;   CR3   from user mode the user table is loaded: switch to the kernel one
;         (cr3.inc) before touching anything outside the entry area.
;   stack from user mode the CPU pushed its frame on the entry stack
;         (TSS.RSP0, per CPU, in the entry region); the stub moves it to
;         the task's kernel stack, since the task may sleep in the kernel.
;
; Interrupts and exceptions from kernel mode need none of this: kernel GS,
; kernel CR3, kernel stack. NMI, #MC and #DF may arrive anywhere, even in
; the middle of the sequences above, so they can trust neither CS nor CR3
; and find out what they interrupted (the paranoid entry at the end).
;
; The deferred kernel-TLB-flush protocol adds its steps to the kernel-CR3
; switch; see mm/tlb.c for the protocol.

%include "entry_area.inc"
%include "arch/x86_64/cr3.inc"

%define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)
%define IS_PARANOID(v) ((v) == 2 || (v) == 8 || (v) == 18)

USER_CS        equ 0x28 | 3             ; arch/x86_64/gdt.h: GDT_UCODE, RPL 3
USER_SS        equ 0x20 | 3             ; GDT_UDATA, RPL 3
VEC_SYSCALL    equ 0x100                ; a trap_frame vector no IDT entry has
MSR_GS_BASE    equ 0xc0000101
RFLAGS_TF_RF   equ (1 << 8) | (1 << 16)
USER_TOP       equ 0x0000800000000000

; struct trap_frame offsets
F_R11    equ 4 * 8
F_RDI    equ 9 * 8
F_RCX    equ 12 * 8
F_RAX    equ 14 * 8
F_VECTOR equ 15 * 8
F_RIP    equ 17 * 8
F_CS     equ 18 * 8
F_RFLAGS equ 19 * 8
F_RSP    equ 20 * 8
F_SS     equ 21 * 8

extern trap_dispatch
extern syscall_dispatch
extern tlb_catch_up_paranoid

%macro PUSH_REGS 0
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
%endmacro

%macro POP_REGS 0
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
%endmacro

; Load every general register but RDI from the trap frame at RDI.
%macro LOAD_REGS_BUT_RDI 0
	mov r15, [rdi + 0 * 8]
	mov r14, [rdi + 1 * 8]
	mov r13, [rdi + 2 * 8]
	mov r12, [rdi + 3 * 8]
	mov r11, [rdi + 4 * 8]
	mov r10, [rdi + 5 * 8]
	mov r9,  [rdi + 6 * 8]
	mov r8,  [rdi + 7 * 8]
	mov rbp, [rdi + 8 * 8]
	mov rsi, [rdi + 10 * 8]
	mov rdx, [rdi + 11 * 8]
	mov rcx, [rdi + 12 * 8]
	mov rbx, [rdi + 13 * 8]
	mov rax, [rdi + 14 * 8]
%endmacro

section .entry.text
bits 64

; One stub per vector: the same stack for all (an error code, zero where
; the CPU pushes none, then the vector number), then the common path.
%macro TRAP_STUB 1
align 16
trap_stub_%1:
%if !HAS_ERROR_CODE(%1)
	push 0
%endif
	push %1
%if IS_PARANOID(%1)
	jmp paranoid_entry
%else
	jmp trap_entry
%endif
%endmacro

%assign v 0
%rep 256
TRAP_STUB v
%assign v v + 1
%endrep

; Interrupts and exceptions. The stack: vector, error, RIP, CS, RFLAGS, RSP, SS.
trap_entry:
	test byte [rsp + 24], 3         ; the interrupted CS: from user mode?
	jz .frame_in_place
	swapgs
	push rax                        ; one scratch register, on the entry stack
	SWITCH_TO_KERNEL_CR3 rax
	; Move the hardware frame (and the saved RAX) to the task's stack.
	mov rax, rsp
	mov rsp, [gs:EA_TASK_STACK]
	push qword [rax + 7 * 8]        ; SS
	push qword [rax + 6 * 8]        ; RSP
	push qword [rax + 5 * 8]        ; RFLAGS
	push qword [rax + 4 * 8]        ; CS
	push qword [rax + 3 * 8]        ; RIP
	push qword [rax + 2 * 8]        ; error code
	push qword [rax + 1 * 8]        ; vector
	mov rax, [rax]
.frame_in_place:
	PUSH_REGS
	cld                             ; the C ABI expects DF clear
	mov rdi, rsp
	call trap_dispatch
	test byte [rsp + F_CS], 3
	jnz return_to_user
	POP_REGS
	add rsp, 16                     ; vector and error code
	iretq

; Back to user mode through IRET, from the trap frame at RSP on the task's
; stack, interrupts off. The frame is copied to the entry stack first: the
; task's stack is not mapped in the user table that is about to be loaded.
global return_to_user
return_to_user:
	mov rdi, rsp
	mov rsp, [gs:EA_ENTRY_STACK]
	push qword [rdi + F_SS]
	push qword [rdi + F_RSP]
	push qword [rdi + F_RFLAGS]
	push qword [rdi + F_CS]
	push qword [rdi + F_RIP]
	push qword [rdi + F_RDI]
	LOAD_REGS_BUT_RDI
	SWITCH_TO_USER_CR3 rdi
	pop rdi
	swapgs
	iretq

; SYSCALL: RCX holds the user RIP, R11 the user RFLAGS; IF, TF, DF and AC
; are cleared by SFMASK (arch/x86_64/syscall_setup.c). RSP is still the user's,
; and untrusted: the first stack is the task's, found through GS.
global syscall_entry
syscall_entry:
	swapgs
	mov [gs:EA_SCRATCH], rsp
	SWITCH_TO_KERNEL_CR3 rsp        ; RSP is free: the user value is saved
	mov rsp, [gs:EA_TASK_STACK]
	push USER_SS                    ; the frame an interrupt would have pushed
	push qword [gs:EA_SCRATCH]
	push r11
	push USER_CS
	push rcx
	push 0                          ; error code
	push VEC_SYSCALL
	PUSH_REGS
	mov rdi, rsp
	call syscall_dispatch           ; returns with interrupts off
	; SYSRET returns to RCX with RFLAGS from R11 and fixed selectors. Take
	; IRET instead when SYSRET cannot restore what the frame says: a RIP
	; outside user space (on Intel CPUs SYSRET to a non-canonical RCX
	; faults in ring 0 on the user's stack), TF or RF set, or other
	; selectors (none of lull's calls changes them, but the frame decides).
	mov rcx, [rsp + F_RIP]
	mov r11, USER_TOP
	cmp rcx, r11
	jae return_to_user
	test qword [rsp + F_RFLAGS], RFLAGS_TF_RF
	jnz return_to_user
	cmp qword [rsp + F_CS], USER_CS
	jne return_to_user
	cmp qword [rsp + F_SS], USER_SS
	jne return_to_user
	mov [rsp + F_RCX], rcx          ; what SYSRET will use
	mov r11, [rsp + F_RFLAGS]
	mov [rsp + F_R11], r11
	mov rdi, rsp
	mov rsp, [gs:EA_ENTRY_STACK]    ; mapped in both tables
	push qword [rdi + F_RSP]
	push qword [rdi + F_RDI]
	LOAD_REGS_BUT_RDI
	SWITCH_TO_USER_CR3 rdi
	pop rdi
	pop rsp                         ; the user stack: no stack use from here
	swapgs
	o64 sysret

; NMI, #MC and #DF, on their IST stacks in the entry region. They may land
; between SWAPGS and IRETQ (kernel CS, user GS) or between an entry and its
; CR3 switch (kernel CS, user CR3), so neither CS nor anything else in the
; frame says what to fix: the GS base does (kernel GS bases are kernel
; addresses, negative; user code cannot set its own), and so does CR3's
; bit 12. GS, CR3 and cr3_state are saved in callee-saved registers (EBX,
; R14, R13) and put back on exit.
paranoid_entry:
	PUSH_REGS
	cld
	mov ecx, MSR_GS_BASE
	rdmsr
	xor ebx, ebx                    ; EBX = 1: SWAPGS back on exit
	test edx, edx
	js .kernel_gs
	swapgs
	mov ebx, 1
.kernel_gs:
	SAVE_AND_SWITCH_CR3 r14, r13, rax
	; Catch up whatever the state was: between an entry's xchg and its
	; own catch-up the state says KERNEL but the TLB is still the one
	; brought from user mode (tests/model: nmi_in_entry_window).
	test byte [gs:EA_PTI], 1
	jz .caught_up
	call tlb_catch_up_paranoid      ; the flush protocol's step 3: mm/tlb.c
.caught_up:
	mov rdi, rsp
	call trap_dispatch
	RESTORE_CR3 r14, r13, rax
	test ebx, ebx
	jz .no_swapgs
	swapgs
.no_swapgs:
	POP_REGS
	add rsp, 16
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
