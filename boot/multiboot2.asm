; The multiboot2 header: what lull asks of GRUB.
;
; lull boots through GRUB's 32-bit multiboot2 entry under BIOS and UEFI alike:
; without an EFI entry-address tag GRUB leaves boot services, puts the CPU in
; 32-bit protected mode with paging off and jumps to the ELF entry (start32).

MB2_MAGIC    equ 0xe85250d6
MB2_ARCH_I386 equ 0

MB2_TAG_END         equ 0
MB2_TAG_FRAMEBUFFER equ 5
MB2_TAG_MODULE_ALIGN equ 6
MB2_TAG_OPTIONAL    equ 1

section .multiboot2 align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	; A linear framebuffer, any size, 32 bpp preferred; optional, so a text
	; mode (gfxpayload=text) or a machine without one still boots.
	align 8
	dw MB2_TAG_FRAMEBUFFER, MB2_TAG_OPTIONAL
	dd 20
	dd 0, 0, 32

	; Modules page-aligned, so they can be mapped as they lie.
	align 8
	dw MB2_TAG_MODULE_ALIGN, 0
	dd 8

	align 8
	dw MB2_TAG_END, 0
	dd 8
mb2_header_end:
