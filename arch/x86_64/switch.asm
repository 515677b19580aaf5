; Switching kernel stacks between tasks (kernel/sched.c).
;
; context_switch(&prev->saved_rsp, next->saved_rsp): the callee-saved
; registers of the C ABI go on prev's stack, RSP into *save, and next's
; are popped from its stack; `ret` then resumes next where it called
; context_switch, or, for a new task, at task_first_entry (task.c lays
; out that first frame).

extern task_start
extern return_to_user

section .text
bits 64

global context_switch
context_switch:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; A new task's first return: finish the switch (and exit at once if it was
; asked to stop before it ever ran), then go to user mode through the trap
; frame that task_spawn() placed at the top of its stack.
global task_first_entry
task_first_entry:
	call task_start
	cli
	jmp return_to_user
