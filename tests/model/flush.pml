/*
 * lull's deferred kernel-TLB-flush protocol, for spin.
 *
 * The protocol is the one of DESIGN.md, "The protocol", as lull implements
 * it: the sender side and the IPI handler in mm/tlb.c, the entry, exit and
 * paranoid entry in arch/x86_64/entry.asm and cr3.inc, the catch-up in
 * mm/tlb.c. tools/model.py checks this file exhaustively,
 * once per line of tests/model/variants.txt; README.md says how to read
 * a counterexample.
 *
 * Who runs here
 *   cpu        the isolated CPU: user mode, entry, kernel, exit, forever;
 *              the flush IPI's handler runs in its kernel part (entry
 *              steps 1-3 and the exit run with interrupts off). The IPI
 *              carries the sender's generation; the handler flushes the
 *              sender's page only when that is enough (ipi_handler()).
 *   nmi        an NMI on that same CPU: it may land between any two steps
 *              of cpu (cpu is "provided (!in_nmi)": it stands still while
 *              the NMI runs); paranoid entry, handler, paranoid exit. The
 *              handler touches the page anywhere but in entry steps 1-3
 *              (see nmi()).
 *   walker     that CPU's page walker: it fills an empty TLB entry from
 *              the page table whenever the kernel's table is loaded
 *              (speculation), not only when the kernel touches the page.
 *   sender(s)  NSEND other CPUs, each doing one flush_tlb_kernel_range()
 *              of its own vmalloc page s. (A freed range is flushed once
 *              before it is reused, so two flushes of one PTE never
 *              overlap; two flushes of different pages do.) Their own
 *              TLBs are left out: the property is about the isolated CPU.
 *   drainer(c) CPU c's store buffer, moving its oldest store to memory.
 *
 * x86-TSO, made explicit
 *   Each CPU has a FIFO store buffer of SBD (address, value) slots. STORE
 *   appends to it (and stalls while it is full); drainer(c) moves the
 *   oldest slot to mem[] at any moment; LOAD returns the CPU's own newest
 *   buffered store to that address, else mem[]. A locked instruction
 *   (xchg, lock add), a CR3 write and IRET are serialising: they wait
 *   until the buffer is empty. That is the whole of TSO: a load may pass
 *   an earlier store to another address, and nothing else is reordered.
 *   The IPI (ipi[s] := 1) and its acknowledgement (ipi[s] := 0) are seen
 *   at once: the send comes after the locked bump emptied the sender's
 *   buffer, and an acknowledgement seen early only lets the sender finish
 *   sooner, which the property has to survive anyway.
 *
 * The TLB
 *   tlb[p] is the isolated CPU's cached translation of page p: EMPTY, OLD
 *   or NEW. It survives user mode and every CR3 write: the kernel CR3 is
 *   written with PCID NOFLUSH, so the kernel PCID's entries stay (the
 *   model assumes NOFLUSH everywhere). Only a flush empties it (catch-up,
 *   IPI handler). A kernel access uses the entry if there is one, else
 *   walks mem[] and caches what it found (the isolated CPU never writes a
 *   PTE, so its own store buffer has none to forward). Evictions are left
 *   out: an empty entry refills from memory, which can only be newer.
 *
 * The property (asserted at every kernel access, in access())
 *   Sender s records its flush as complete by storing DONE(s) := 1 once
 *   its wait for the acknowledgements has returned. That store goes
 *   through s's store buffer like any other, so it reaches memory after
 *   every earlier store of s (its PTE): it stands for whatever store tells
 *   the rest of the machine that the flush is over (the freed page's
 *   reuse hangs on one). The claim:
 *     no kernel access to page s, made while mem[DONE(s)] == 1, uses the
 *     translation that flush removed:  !(mem[DONE(s)] && tlb[s] == OLD).
 *
 * Variants (-D, listed in variants.txt with what each must give)
 *   V7_ORDER           entry: CR3 write, catch-up, then cr3_state := KERNEL
 *   NO_SENDER_BARRIER  the kflush_gen bump is a plain load and store
 *   NO_ENTRY_BARRIER   cr3_state := KERNEL is a plain store (entry and NMI)
 *   PARANOID_XCHG      ... but the NMI's is still an xchg
 *   NMI_RESTORES_USER  paranoid exit writes USER when it found a user CR3
 *   NMI_TRUSTS_CR3     paranoid entry decides by CR3 alone, not cr3_state
 *   IPI_RANGE_FLUSH    the handler reads kflush_gen, flushes the sender's
 *                      page only, and advances kflush_seen to what it read
 *   IPI_GEN_JUMP       the handler flushes the sender's page only and
 *                      advances kflush_seen to r->gen from any distance
 *   SEEN_BEFORE_FLUSH  the catch-up stores kflush_seen before it flushes
 *   NMI_ANYWHERE       the NMI handler touches the page in entry steps 1-3
 *                      too (lull allows it: its paranoid entry always catches up)
 *   NMI_ALWAYS_CATCHES_UP  the paranoid entry catches up whatever the
 *                      state it found
 *   PTI_OFF            one page table: no CR3 writes, and the walker may
 *                      fill the TLB in user mode too
 *   NO_NMI             no NMI
 *   NSEND=1            one sender (default 2)
 */

#ifndef NSEND
#define NSEND 2
#endif
#if NSEND < 1 || NSEND > 2
#error "NSEND: 1 or 2 (mem[] has room for two pages)"
#endif
#define ISO 0                           /* the isolated CPU; senders are 1..NSEND */
#define NCPU (NSEND + 1)
#define SBD 3                           /* store-buffer slots per CPU */

/* Addresses in mem[]; the trace prints them as numbers. */
#define PTE(s) (s)                      /* 0, 1: sender s's page */
#define GEN 2                           /* kflush_gen */
#define FLAG 3                          /* the isolated CPU's cr3_state */
#define DONE(s) (4 + (s))               /* 4, 5: ghost, sender s's flush completed */
#define NADDR 6

/* cr3_state as in arch/x86_64/entry_area.h; PTE and TLB contents. */
#define KERNEL 0
#define USER 1
#define EMPTY 0
#define OLD 1
#define NEW 2

byte mem[NADDR];
byte sb_addr[NCPU * SBD];
byte sb_val[NCPU * SBD];
byte sb_n[NCPU];
byte ld_i;                              /* scratch of d_steps, 0 outside them */

/* The isolated CPU: CR3, TLB, kflush_seen (read and written by it only). */
bit cr3;                                /* the table loaded: KERNEL or USER */
byte tlb[NSEND];
byte kflush_seen;
bit in_nmi;
bit ipi[NSEND];                         /* sender s's IPI pending; 0 again = ack */
byte ipi_gen[NSEND];                    /* its r->gen: the sender's lock add's result */
bit in_entry;                           /* ghost: cpu is between user mode and the end
                                         * of its catch-up (entry step 3) */

/* --- x86-TSO ---------------------------------------------------------------- *
 * The _in forms are the bare steps, for use inside a d_step that also
 * prints what happened (so the trace's lines come in the true order). */

inline store_in(c, a, v) {
	sb_n[c] < SBD ->
	sb_addr[(c) * SBD + sb_n[c]] = a;
	sb_val[(c) * SBD + sb_n[c]] = v;
	sb_n[c]++
}

/* CPU c's newest buffered store to a, else memory. */
inline load_in(c, a, dst) {
	dst = mem[a];
	ld_i = sb_n[c];
	do
	:: ld_i > 0 && sb_addr[(c) * SBD + ld_i - 1] != (a) -> ld_i--
	:: ld_i > 0 && sb_addr[(c) * SBD + ld_i - 1] == (a) ->
		dst = sb_val[(c) * SBD + ld_i - 1]; break
	:: ld_i == 0 -> break
	od;
	ld_i = 0
}

/* Serialising instructions go on only once this holds. */
#define DRAINED(c) (sb_n[c] == 0)

proctype drainer(byte c) {
	byte k;
end:
	do
	:: d_step {
		sb_n[c] > 0 ->
		mem[sb_addr[c * SBD]] = sb_val[c * SBD];
		printf("mem: cpu %d's store mem[%d] := %d reaches memory\n",
		       c, sb_addr[c * SBD], sb_val[c * SBD]);
		k = 0;
		do
		:: k + 1 < SBD ->
			sb_addr[c * SBD + k] = sb_addr[c * SBD + k + 1];
			sb_val[c * SBD + k] = sb_val[c * SBD + k + 1];
			k++
		:: else -> break
		od;
		sb_addr[c * SBD + k] = 0;
		sb_val[c * SBD + k] = 0;
		sb_n[c]--;
		k = 0
	}
	od
}

/* --- the isolated CPU's building blocks (cpu and nmi share them) --------------- */

/* MOV to CR3 is serialising (Intel SDM vol. 3A, "Serializing
 * Instructions"), and with NOFLUSH it leaves the kernel PCID's
 * translations alone: tlb[] is untouched. pti=off has one table and no
 * write at all. */
inline cr3_write(to) {
#ifdef PTI_OFF
	skip
#else
	d_step {
		DRAINED(ISO) ->
		cr3 = to;
		if
		:: to == KERNEL -> printf("iso: CR3 := kernel (drains the buffer)\n")
		:: else -> printf("iso: CR3 := user (drains the buffer)\n")
		fi
	}
#endif
}

inline flush_all_in() {
	ld_i = 0;
	do
	:: ld_i < NSEND -> tlb[ld_i] = EMPTY; ld_i++
	:: else -> break
	od;
	ld_i = 0
}

/* Entry step 1: cr3_state := KERNEL, the old value into old. xchg is
 * locked, a full barrier: the catch-up's load of kflush_gen cannot pass
 * this store (pairs with sender()'s locked bump). */
inline xchg_flag_kernel(old) {
	d_step {
		DRAINED(ISO) ->
		old = mem[FLAG];
		mem[FLAG] = KERNEL;
		printf("iso: xchg cr3_state := KERNEL (was %d)\n", old)
	}
}

inline set_flag_kernel(old) {
#ifdef NO_ENTRY_BARRIER
	d_step {
		load_in(ISO, FLAG, old);
		store_in(ISO, FLAG, KERNEL);
		printf("iso: cr3_state := KERNEL (plain store, buffered; was %d)\n", old)
	}
#else
	xchg_flag_kernel(old)
#endif
}

/* The paranoid entry's: the same, unless PARANOID_XCHG keeps the xchg
 * there while NO_ENTRY_BARRIER takes it from the entry (lull's
 * coalesce_fault=no_entry_barrier changes SET_CR3_STATE_KERNEL only). */
inline paranoid_set_flag_kernel(old) {
#ifdef PARANOID_XCHG
	xchg_flag_kernel(old)
#else
	set_flag_kernel(old)
#endif
}

/* Entry step 3: flush if a kernel-range flush happened since the last
 * catch-up, and record the generation read *before* the flush. */
inline catch_up(g) {
	d_step {
		load_in(ISO, GEN, g);
		printf("iso: catch-up reads kflush_gen %d, kflush_seen is %d\n", g, kflush_seen)
	};
	if
	:: g > kflush_seen ->
#ifdef SEEN_BEFORE_FLUSH
		d_step { kflush_seen = g; printf("iso: kflush_seen := %d\n", g) };
#endif
		d_step {
			flush_all_in();
			printf("iso: catch-up flushes the TLB\n")
		};
#ifndef SEEN_BEFORE_FLUSH
		d_step {                        /* only after the flush: an NMI may look */
			kflush_seen = g;
			printf("iso: kflush_seen := %d\n", g)
		}
#endif
	:: else
	fi;
	g = 0
}

/* A kernel access to page p: a TLB hit uses the entry, a miss walks. */
inline access(p) {
	d_step {
		assert(cr3 == KERNEL);
		if
		:: tlb[p] == EMPTY && mem[PTE(p)] == OLD ->
			tlb[p] = OLD;
			printf("iso: access page %d: TLB miss, the walk finds OLD\n", p)
		:: tlb[p] == EMPTY && mem[PTE(p)] == NEW ->
			tlb[p] = NEW;
			printf("iso: access page %d: TLB miss, the walk finds NEW\n", p)
		:: tlb[p] == OLD -> printf("iso: access page %d: TLB hit, OLD\n", p)
		:: tlb[p] == NEW -> printf("iso: access page %d: TLB hit, NEW\n", p)
		fi;
		assert(!(mem[DONE(p)] && tlb[p] == OLD))
	}
}

inline access_any() {
	if
	:: access(0)
#if NSEND > 1
	:: access(1)
#endif
	fi
}

/* The flush IPI's handler (mm/tlb.c, flush_on_this_cpu). The IPI carries
 * its own generation r->gen (ipi_gen[s]). kflush_seen = n promises that
 * every flush up to generation n is applied here; so with seen =
 * kflush_seen: if seen + 1 >= r->gen, flush the sender's page only, and
 * if seen + 1 == r->gen advance seen to r->gen; further behind, read
 * kflush_gen, flush everything, and take what was read. Then, after the
 * flush, store seen if it is above kflush_seen; acknowledge: the sender's
 * wait ends. IPI_RANGE_FLUSH is the older rule: read kflush_gen, flush
 * the sender's page only, record what was read. IPI_GEN_JUMP drops the
 * "+ 1": a range flush, and seen := r->gen, whenever seen < r->gen. */
#ifdef IPI_GEN_JUMP
#define IPI_RANGE_ENOUGH(seen, gen) 1
#define IPI_ADVANCES(seen, gen) ((seen) < (gen))
#else
#define IPI_RANGE_ENOUGH(seen, gen) ((seen) + 1 >= (gen))
#define IPI_ADVANCES(seen, gen) ((seen) + 1 == (gen))
#endif
inline ipi_handler(s, seen) {
#ifdef IPI_RANGE_FLUSH
	d_step {
		load_in(ISO, GEN, seen);
		printf("iso: IPI from sender %d: reads kflush_gen %d\n", s, seen)
	};
	d_step {
		tlb[s] = EMPTY;
		printf("iso: IPI: flushes page %d only\n", s)
	};
#else
	d_step {
		seen = kflush_seen;
		printf("iso: IPI from sender %d, generation %d: kflush_seen is %d\n",
		       s, ipi_gen[s], seen)
	};
	if
	:: IPI_RANGE_ENOUGH(seen, ipi_gen[s]) ->
		d_step {
			tlb[s] = EMPTY;
			if
			:: IPI_ADVANCES(seen, ipi_gen[s]) -> seen = ipi_gen[s]
			:: else
			fi;
			printf("iso: IPI: flushes page %d only\n", s)
		}
	:: else ->
		d_step {
			load_in(ISO, GEN, seen);
			printf("iso: IPI: behind, reads kflush_gen %d\n", seen)
		};
		d_step {
			flush_all_in();
			printf("iso: IPI: flushes the TLB\n")
		}
	fi;
#endif
	d_step {
		if
		:: seen > kflush_seen -> kflush_seen = seen
		:: else
		fi;
		printf("iso: IPI: kflush_seen is %d, acknowledges\n", kflush_seen);
		seen = 0;
		ipi[s] = 0
	}
}

/* --- the isolated CPU ------------------------------------------------------------
 * User mode touches no shared state; it leaves by any entry (syscall,
 * exception, interrupt). The entry and exit stubs run with interrupts
 * off, so the flush IPI's handler runs only in the kernel part. An IPI
 * that arrives in user mode (a sender read KERNEL just before the exit's
 * store of USER: "spurious") is an interrupt entry: steps 1-3 as always,
 * then the handler in the kernel part. That is how the model runs it:
 * the entry is any entry, and the handler runs once there. */
proctype cpu() provided (!in_nmi) {
	byte g;
	bit old;

	do
	::
#ifdef V7_ORDER
		cr3_write(KERNEL);
		catch_up(g);
		set_flag_kernel(old);
#else
		set_flag_kernel(old);           /* 1: cr3_state := KERNEL, barrier */
		cr3_write(KERNEL);              /* 2: kernel CR3, NOFLUSH */
		catch_up(g);                    /* 3: flush if behind */
#endif
		d_step { old = 0; in_entry = 0 };  /* (ghost: for nmi()) */
		do                              /* 4: the kernel, interrupts on */
		:: access_any()
		:: ipi[0] -> ipi_handler(0, g)
#if NSEND > 1
		:: ipi[1] -> ipi_handler(1, g)
#endif
		:: break
		od;
		atomic {                        /* exit: cr3_state := USER, */
			store_in(ISO, FLAG, USER);
			in_entry = 1;           /* (the flag says USER from here to step 1) */
			printf("iso: exit: cr3_state := USER (buffered)\n")
		};
		cr3_write(USER)                 /* then the user CR3 */
	od
}

/* --- an NMI on the isolated CPU ----------------------------------------------------
 * The paranoid entry (arch/x86_64/entry.asm: paranoid_entry, cr3.inc:
 * SAVE_AND_SWITCH_CR3, RESTORE_CR3) may land anywhere, so it finds out
 * where it is: it saves CR3 and cr3_state. If the state was USER it sets
 * KERNEL by xchg (decided by the state, not by CR3: in the exit window
 * the kernel's CR3 is still loaded) and catches up with a real flush
 * (mm/tlb.c: tlb_catch_up_paranoid); if CR3 was a user table it loads the
 * kernel one. The handler may touch the page (perf NMIs run BPF programs,
 * which live in vmalloc space; lull's touch none, so this is stricter)
 * except while the interrupted code is between entry step 1 and the end
 * of its catch-up, in_entry with the state at KERNEL: there the paranoid
 * entry does not catch up, and the entry itself has not yet. NMI_ANYWHERE
 * lets it touch the page there too. The paranoid exit puts back the saved
 * cr3_state, then the saved CR3; IRET is serialising. Lines of the trace
 * that say "iso:" between "nmi: lands" and "nmi: IRET" are the NMI's: it
 * runs on that CPU. */
#ifndef NO_NMI
inline nmi_restore_flag(v) {
	d_step {
		store_in(ISO, FLAG, v);
		printf("nmi: exit: cr3_state := %d (buffered)\n", v)
	}
}

proctype nmi() {
	byte g;
	bit saved_cr3, saved_flag, old;
end:
	do
	:: d_step {
		!in_nmi ->
		in_nmi = 1;
		saved_cr3 = cr3;
		load_in(ISO, FLAG, saved_flag);
		printf("nmi: lands, CR3 is %d, cr3_state is %d (0 kernel, 1 user)\n",
		       saved_cr3, saved_flag)
	   };
#ifdef NMI_TRUSTS_CR3
		if
		:: saved_cr3 == USER ->
			paranoid_set_flag_kernel(old);
			cr3_write(KERNEL);
			catch_up(g)
		:: else                         /* a kernel CR3: runs as it is */
		fi;
#else
		if
		:: saved_flag == USER -> paranoid_set_flag_kernel(old)
		:: else
		fi;
		if
		:: saved_cr3 == USER -> cr3_write(KERNEL)
		:: else
		fi;
#ifdef NMI_ALWAYS_CATCHES_UP
		catch_up(g);
#else
		if
		:: saved_flag == USER -> catch_up(g)
		:: else
		fi;
#endif
#endif
		old = 0;
		if
#ifdef NMI_ANYWHERE
		:: access_any()
#else
		:: !(in_entry && saved_flag == KERNEL) -> access_any()
#endif
		:: skip
		fi;
#if defined(NMI_RESTORES_USER)
		if
		:: saved_cr3 == USER -> nmi_restore_flag(USER)
		:: else -> nmi_restore_flag(saved_flag)
		fi;
#elif defined(NMI_TRUSTS_CR3)
		if
		:: saved_cr3 == USER -> nmi_restore_flag(saved_flag)
		:: else
		fi;
#else
		nmi_restore_flag(saved_flag);
#endif
		if
		:: saved_cr3 == USER -> cr3_write(USER)
		:: else
		fi;
		d_step {
			DRAINED(ISO) ->
			in_nmi = 0;
			saved_cr3 = 0;
			saved_flag = 0;
			printf("nmi: IRET (drains the buffer)\n")
		}
	od
}
#endif

/* --- the page walker's speculation ---------------------------------------------- */
proctype walker() {
	byte p;
end:
	do
	:: d_step {
		cr3 == KERNEL && (tlb[0] == EMPTY || tlb[NSEND - 1] == EMPTY) ->
		p = 0;
		do
		:: p < NSEND && tlb[p] != EMPTY -> p++
		:: p < NSEND && tlb[p] == EMPTY ->
			tlb[p] = mem[PTE(p)];
			printf("walker: speculative fill of page %d: %d (1 OLD, 2 NEW)\n", p, tlb[p]);
			p++
		:: p == NSEND -> break
		od;
		p = 0
	}
	od
}

/* --- the senders -------------------------------------------------------------------
 * flush_tlb_kernel_range() of page s on CPU s + 1: the PTE update; the
 * locked bump of kflush_gen, a full barrier that puts the PTE store in
 * memory before cr3_state is read (pairs with set_flag_kernel()); the IPI
 * only if cr3_state reads KERNEL (the target is isolated, never
 * housekeeping); the wait for the acknowledgement; the ghost record that
 * the flush completed. */
proctype sender(byte s) {
	byte g, f;

	d_step {
		store_in(s + 1, PTE(s), NEW);
		printf("sender %d: PTE %d := NEW (buffered)\n", s, s)
	};
#ifdef NO_SENDER_BARRIER
	d_step {
		load_in(s + 1, GEN, g);
		g++;                            /* r.gen */
		store_in(s + 1, GEN, g);
		printf("sender %d: kflush_gen := %d (plain store, buffered)\n", s, g)
	};
#else
	d_step {
		DRAINED(s + 1) ->
		mem[GEN]++;
		g = mem[GEN];                   /* r.gen */
		printf("sender %d: lock add kflush_gen -> %d (drains the buffer)\n", s, g)
	};
#endif
	d_step {
		load_in(s + 1, FLAG, f);
		if
		:: f == KERNEL -> printf("sender %d: cr3_state reads KERNEL: IPI\n", s)
		:: else -> printf("sender %d: cr3_state reads USER: skipped\n", s)
		fi
	};
	if
	:: f == KERNEL ->
		d_step { ipi_gen[s] = g; ipi[s] = 1 };  /* the IPI carries &r */
		ipi[s] == 0                     /* on_each_cpu_cond_mask(..., wait=true) */
	:: else                                 /* it catches up at its next entry */
	fi;
	f = 0;
	g = 0;
	d_step {
		store_in(s + 1, DONE(s), 1);
		printf("sender %d: flush complete, DONE(%d) := 1 (buffered)\n", s, s)
	}
}

init {
	byte c;
	atomic {
		mem[PTE(0)] = OLD;
		mem[PTE(1)] = OLD;              /* unused with NSEND=1 */
		mem[FLAG] = USER;
		in_entry = 1;                   /* user mode */
#ifdef PTI_OFF
		cr3 = KERNEL;                   /* one table, the kernel part always in it */
#else
		cr3 = USER;
#endif
		c = 0;
		do
		:: c < NCPU -> run drainer(c); c++
		:: else -> break
		od;
		c = 0;
		do
		:: c < NSEND -> run sender(c); c++
		:: else -> break
		od;
		c = 0;
		run cpu();
#ifndef NO_NMI
		run nmi();
#endif
		run walker()
	}
}
