/*
 * The SYSCALL instruction's MSRs, per CPU.
 *
 * STAR: SYSCALL loads CS = STAR[47:32] (kernel code) and SS = that + 8;
 * SYSRET loads CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8, hence the
 * GDT order of arch/x86_64/gdt.h (32-bit user code, user data, user code).
 * SFMASK clears IF (the entry stub runs with interrupts off until it is on
 * the task's stack), TF, DF and AC (no user-set flag leaks into the kernel).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"

#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_SFMASK 0xc0000084
#define EFER_SCE   (1ull << 0)
#define RFLAGS_TF  (1ull << 8)
#define RFLAGS_IF  (1ull << 9)
#define RFLAGS_DF  (1ull << 10)
#define RFLAGS_NT  (1ull << 14)
#define RFLAGS_AC  (1ull << 18)

extern char syscall_entry[];

void syscall_init_cpu(void)
{
	wrmsr(MSR_STAR, ((uint64_t)(GDT_UCODE32 | 3) << 48) | ((uint64_t)GDT_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_NT | RFLAGS_AC);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}
