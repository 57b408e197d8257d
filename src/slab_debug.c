/*
 * slab_debug.c - the checks of debug caches (KMM_DEBUG, the KMM_SLAB_*
 * debug flags), after the kernel's slub_debug.
 *
 * A debug cache's threads keep no lists (cpu_limit 0), so every
 * allocation and free of it reaches slab.c's slow paths, which call here:
 * other caches' fast paths pay nothing, and a debug cache's pay one
 * failed test each.  A stride of a debug cache:
 *
 *   | left red zone | object | right red zone | free pointer | state | U |
 *     red_left        inuse    RED_RIGHT        s->offset      s->track
 *
 * The object starts red_left bytes into its stride (a multiple of the
 * alignment, so objects keep it); the free pointer (and its mark, with
 * KMM_HARDEN) lives past the object, so P may poison all of it, and so
 * does a state word (free, live, or kept out of use after a report),
 * which tells a double free whatever the program wrote into the object
 * and whether the free list is hardened or not.  The bytes from
 * object_size to inuse belong to the right red zone.
 *
 *   F  each allocation and free checks the slab (its flags, its cache, its
 *      free list: length, links, marks) and the pointer (an object's start,
 *      not free already)
 *   Z  red zones hold 0xbb while the object is free, 0xcc while it is
 *      live; checked at each allocation and free
 *   P  a free object holds 0x6b, its last byte 0xa5, checked when it is
 *      handed out again; it is handed out filled with 0x5a (with
 *      __GFP_ZERO the caller clears it).  Not with a constructor.
 *   U  each object records its last allocation and free: the return
 *      address of the program's call into kmm, and the thread
 *   T  each allocation and free is written to standard error
 *
 * A check that fails writes a report in the kernel's form (what, where,
 * the recorded sites, a hex dump around the damage) and aborts; with
 * KMM_DEBUG_CONTINUE=1 it goes on, and the object is never used again
 * (neither handed out nor put back on a free list).
 *
 * The call site.  No unwinder runs inside malloc; the return address of
 * the program's call is found on the stack: the first word, above this
 * function's frame, that points just past a call instruction in an
 * executable segment of a loaded object other than kmm's own.  The
 * segments are found with dl_iterate_phdr (glibc's allocates nothing) and
 * kept in a table, read again when no word qualifies (a library loaded
 * since).  kmm linked statically into the program cannot tell its code
 * from the program's: no site is recorded there.
 *
 * Runs inside allocations: no malloc, no stdio; reports are written with
 * write(2) a line at a time.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "lockdep.h"
#include "mm_types.h"
#include "os.h"
#include "printk.h"
#include "slab.h"
#include "thread.h"

#include <link.h>
#include <string.h>

#define RED_LEFT 16		/* at least; a multiple of the alignment */
#define RED_RIGHT 16		/* past inuse */
#define POISON_INUSE 0x5a
#define POISON_FREE 0x6b
#define POISON_END 0xa5
#define RED_INACTIVE 0xbb
#define RED_ACTIVE 0xcc

/* The bytes of the stack searched for the program's return address. */
#define SITE_SCAN_BYTES 2048

enum { TRACK_ALLOC, TRACK_FREE };

/* The state word: ASCII, values a stray pointer or count is not. */
#define STATE_FREE 0x6672656566726565ull
#define STATE_LIVE 0x6576696c6576696cull
#define STATE_KEPT 0x7470656b7470656bull

/* --------------------------------------------------------------- layout */

/* No variadic report: cache creation runs inside the first allocation. */
static __noinline void too_large(const struct kmm_cache *s)
{
	struct kmm_msg m = { .len = 0 };

	kmm_msg_str(&m, "kmm: kmem_cache_create(");
	kmm_msg_str(&m, s->name);
	kmm_msg_str(&m, "): objects too large for the debug checks; made without them");
	kmm_msg_send(&m);
}

bool kmm_slab_debug_setup(struct kmm_cache *s, size_t max)
{
	unsigned int off, align, low = s->object_size & -s->object_size;

	/*
	 * Objects packed at their size are aligned to its lowest set bit
	 * (a kmalloc class of 96 bytes serves 32-byte alignment, kmalloc-8k
	 * natural alignment): debug strides keep that.
	 */
	align = MAX(s->align, low);
	/* Constructed state must survive a free, as the kernel does. */
	if (s->ctor)
		s->debug &= ~KMM_SLAB_POISON;
	s->inuse = (unsigned int)ALIGN_UP(s->object_size, 8);
	s->red_left = 0;
	off = s->inuse;
	if (s->debug & KMM_SLAB_RED_ZONE) {
		s->red_left = (unsigned int)ALIGN_UP(RED_LEFT, align);
		off += RED_RIGHT;
	}
	s->offset = off;
	off += 2 * sizeof(void *);
	s->track = off;		/* the state word, then the U records */
	off += sizeof(uint64_t);
	if (s->debug & KMM_SLAB_STORE_USER)
		off += 2 * sizeof(struct kmm_track);
	if (ALIGN_UP((size_t)s->red_left + off, align) > max) {
		too_large(s);
		s->debug = 0;
		s->red_left = 0;
		return false;
	}
	s->size = (unsigned int)ALIGN_UP(s->red_left + off, align);
	s->align = align;
	return true;
}

static uint64_t *state(const struct kmm_cache *s, const void *object)
{
	return (uint64_t *)((char *)object + s->track);
}

static struct kmm_track *get_track(const struct kmm_cache *s,
				   const void *object, int which)
{
	return (struct kmm_track *)(state(s, object) + 1) + which;
}

/* The right red zone: object_size to inuse + RED_RIGHT. */
static unsigned int red_right_len(const struct kmm_cache *s)
{
	return s->inuse + RED_RIGHT - s->object_size;
}

static void set_redzones(const struct kmm_cache *s, void *object, int val)
{
	memset((char *)object - s->red_left, val, s->red_left);
	memset((char *)object + s->object_size, val, red_right_len(s));
}

static void poison(const struct kmm_cache *s, void *object)
{
	memset(object, POISON_FREE, s->object_size - 1);
	((unsigned char *)object)[s->object_size - 1] = POISON_END;
}

void kmm_slab_debug_init_slab(struct kmm_cache *s, char *first)
{
	unsigned int i;
	char *object;

	for (i = 0, object = first; i < s->objects; i++, object += s->size) {
		*state(s, object) = STATE_FREE;
		if (s->debug & KMM_SLAB_RED_ZONE)
			set_redzones(s, object, RED_INACTIVE);
		if (s->debug & KMM_SLAB_POISON)
			poison(s, object);
		if (s->debug & KMM_SLAB_STORE_USER)
			memset(get_track(s, object, 0), 0,
			       2 * sizeof(struct kmm_track));
	}
}

/* ------------------------------------------------------------ call sites */

struct code_range {
	uintptr_t start, end;
};

#define MAX_CODE_RANGES 128

/*
 * The executable segments of the loaded objects, and kmm's own.  Rebuilt
 * under code_lock; read without it (a word is checked against a range
 * that may be torn by a rebuild: the bytes before it are read only if the
 * range still holds it after, see after_call).
 */
static struct code_range code[MAX_CODE_RANGES];
static _Atomic unsigned int nr_code;
static struct code_range kmm_code;
static bool static_kmm;		/* kmm is part of the program: no sites */
static pthread_mutex_t code_lock = PTHREAD_MUTEX_INITIALIZER;

static int add_ranges(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned int *n = arg;
	uintptr_t self = (uintptr_t)&kmm_slab_debug_setup;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) ||
		    !(ph->p_flags & PF_R))
			continue;
		if (self - start < ph->p_memsz) {
			kmm_code.start = start;
			kmm_code.end = start + ph->p_memsz;
			/* The program itself has no name. */
			static_kmm = !info->dlpi_name[0];
			continue;
		}
		if (*n < MAX_CODE_RANGES) {
			code[*n].start = start;
			code[*n].end = start + ph->p_memsz;
			(*n)++;
		}
	}
	return 0;
}

/*
 * Rebuilds the table in place: objects are listed in load order, so the
 * entries of those still loaded keep their values unless one before
 * them was unloaded.  A thread that finds another rebuilding goes on
 * with the table as it is (a fork child whose parent was rebuilding
 * never rebuilds: trylock, as the lock is not the fork handlers').
 */
static void read_ranges(void)
{
	unsigned int n = 0;

	if (pthread_mutex_trylock(&code_lock) != 0)
		return;
	dl_iterate_phdr(add_ranges, &n);
	atomic_store_explicit(&nr_code, n, memory_order_release);
	pthread_mutex_unlock(&code_lock);
}

static bool in_code(uintptr_t v)
{
	unsigned int i, n = atomic_load_explicit(&nr_code,
						 memory_order_acquire);

	for (i = 0; i < n; i++)
		if (v - code[i].start < code[i].end - code[i].start &&
		    v - code[i].start >= 8)
			return true;
	return false;
}

#if defined(__x86_64__) || defined(__i386__)
/*
 * Is the instruction of len bytes that ends at c an indirect call, 0xff
 * with a ModRM byte whose reg field is 2 and whose operand is len bytes
 * long with the SIB byte and displacement its mod and r/m call for?
 */
static bool is_ff2(const unsigned char *c, unsigned int len)
{
	unsigned int m = c[1 - (int)len], mod = m >> 6, rm = m & 7;

	if (c[-(int)len] != 0xff || (m & 0x38) != 0x10)
		return false;
	switch (len) {
	case 2:		/* call *%reg, call *(%reg) */
		return mod == 3 || (mod == 0 && rm != 4 && rm != 5);
	case 3:		/* disp8, or a SIB byte */
		return (mod == 1 && rm != 4) || (mod == 0 && rm == 4);
	case 4:		/* SIB and disp8 */
		return mod == 1 && rm == 4;
	case 6:		/* disp32, or %rip-relative */
		return (mod == 2 && rm != 4) || (mod == 0 && rm == 5);
	case 7:		/* SIB and disp32 */
		return (mod == 2 || mod == 0) && rm == 4;
	}
	return false;
}
#endif

/* Does the code before v end with a call instruction? */
static bool after_call(uintptr_t v)
{
#if defined(__x86_64__) || defined(__i386__)
	const unsigned char *c = (const unsigned char *)v;

	return c[-5] == 0xe8 ||		/* call rel32 */
	       is_ff2(c, 2) || is_ff2(c, 3) || is_ff2(c, 4) ||
	       is_ff2(c, 6) || is_ff2(c, 7);
#elif defined(__aarch64__)
	uint32_t insn;

	memcpy(&insn, (const void *)(v - 4), 4);
	return (insn & 0xfc000000u) == 0x94000000u ||	/* bl */
	       (insn & 0xfffffc1fu) == 0xd63f0000u;	/* blr */
#else
	(void)v;
	return true;
#endif
}

/* The first word above sp that is a return address into the program. */
static uintptr_t scan_stack(const uintptr_t *sp)
{
	size_t i;

	for (i = 0; i < SITE_SCAN_BYTES / sizeof(*sp); i++) {
		uintptr_t v = sp[i];

		if (v - kmm_code.start < kmm_code.end - kmm_code.start)
			continue;
		if (in_code(v) && after_call(v))
			return v;
	}
	return 0;
}

/*
 * The return address of the program's call into kmm, or 0.  A frame of
 * its own, so the search starts above every frame of kmm that matters.
 */
static __noinline uintptr_t program_site(void)
{
	uintptr_t here = 0, v;

	if (!atomic_load_explicit(&nr_code, memory_order_acquire))
		read_ranges();
	if (static_kmm)
		return 0;
	__asm__ __volatile__("" : : "r"(&here) : "memory");
	v = scan_stack(&here);
	if (!v) {
		/* A library loaded since the table was read? */
		read_ranges();
		v = scan_stack(&here);
	}
	return v;
}

static pid_t current_tid(void)
{
	struct kmm_thread *t = kmm_thread_or_null();

	return t ? t->tid : kmm_os_gettid();
}

static void set_track(const struct kmm_cache *s, void *object, int which)
{
	struct kmm_track *t = get_track(s, object, which);

	t->addr = program_site();
	t->tid = current_tid();
}

bool kmm_slab_debug_alloc_site(const struct kmm_cache *s, const void *object,
			       struct kmm_track *site)
{
	if (!(s->debug & KMM_SLAB_STORE_USER))
		return false;
	*site = *get_track(s, object, TRACK_ALLOC);
	return true;
}

struct find_site {
	uintptr_t addr;
	char *buf;
	size_t len;
	bool found;
};

static void append(char *buf, size_t len, size_t *at, const char *s)
{
	while (*s && *at + 1 < len)
		buf[(*at)++] = *s++;
	buf[*at] = '\0';
}

static void append_hex(char *buf, size_t len, size_t *at, uintptr_t v)
{
	char num[19];
	int i = 18;

	num[i] = '\0';
	do {
		num[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	num[--i] = 'x';
	num[--i] = '0';
	append(buf, len, at, num + i);
}

static int find_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct find_site *f = arg;
	size_t at = 0;
	uintptr_t off;
	unsigned int digits;
	ssize_t n;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && f->addr - start < ph->p_memsz)
			break;
	}
	if (i == info->dlpi_phnum)
		return 0;
	if (!info->dlpi_name[0]) {
		/* The program: the path addr2line wants. */
		n = kmm_os_readlink("/proc/self/exe", f->buf, f->len - 1);
		at = n > 0 && (size_t)n < f->len - 1 ? (size_t)n : 0;
		f->buf[at] = '\0';
		/* Too long for buf: the name it was run as, below. */
		if (!at)
			append(f->buf, f->len, &at, kmm_os_program());
	} else {
		append(f->buf, f->len, &at, info->dlpi_name);
	}
	off = f->addr - info->dlpi_addr;
	for (digits = 1; off >> (4 * digits) && digits < 16; digits++)
		;
	/*
	 * A path that leaves no room for its offset gives way to its last
	 * component: "module+0xoffset" stays whole, the offset is what
	 * matters, and the module is still named.
	 */
	if (at + 3 + digits >= f->len) {
		const char *base = strrchr(f->buf, '/');

		if (base) {
			memmove(f->buf, base + 1, strlen(base + 1) + 1);
			at = strlen(f->buf);
		}
	}
	append(f->buf, f->len, &at, "+");
	append_hex(f->buf, f->len, &at, off);
	f->found = true;
	return 1;
}

/* Writes at most len bytes, NUL included; len is at least 24. */
void kmm_format_site(char *buf, size_t len, uintptr_t addr)
{
	struct find_site f = { addr, buf, len, false };
	size_t at = 0;

	buf[0] = '\0';
	if (addr)
		dl_iterate_phdr(find_object, &f);
	if (f.found)
		return;
	if (!addr) {
		append(buf, len, &at, "?");
		return;
	}
	append_hex(buf, len, &at, addr);
}

/* -------------------------------------------------------------- reports */

static void msg_hex(struct kmm_msg *m, uintptr_t v, unsigned int digits)
{
	while (digits--)
		if (m->len < sizeof(m->buf) - 1)
			m->buf[m->len++] =
				"0123456789abcdef"[(v >> (4 * digits)) & 15];
}

static void msg_fill(struct kmm_msg *m, size_t to)
{
	while (m->len < to && m->len < sizeof(m->buf) - 1)
		m->buf[m->len++] = ' ';
}

/*
 * m += the site of addr; the message keeps room for its newline and for
 * what follows a site (" thread=N").
 */
static void msg_site(struct kmm_msg *m, uintptr_t addr)
{
	size_t room = sizeof(m->buf) - 1 - m->len;

	if (room < 24 + 16)
		return;
	room -= 16;
	kmm_format_site(m->buf + m->len, room, addr);
	m->len += strlen(m->buf + m->len);
}

static __noinline void say(const char *s)
{
	struct kmm_msg m = { .len = 0 };

	kmm_msg_str(&m, s);
	kmm_msg_send(&m);
}

/* "Redzone  0x00007f..: bb bb ..  ........", as print_hex_dump. */
static __noinline void hex_line(const char *label, const unsigned char *p,
				size_t n)
{
	struct kmm_msg m = { .len = 0 };
	size_t i;

	kmm_msg_str(&m, label);
	msg_fill(&m, 9);
	kmm_msg_str(&m, "0x");
	msg_hex(&m, (uintptr_t)p, 12);
	kmm_msg_str(&m, ": ");
	for (i = 0; i < 16; i++) {
		if (i < n)
			msg_hex(&m, p[i], 2);
		else
			kmm_msg_str(&m, "  ");
		kmm_msg_str(&m, " ");
	}
	kmm_msg_str(&m, " ");
	for (i = 0; i < n && m.len < sizeof(m.buf) - 1; i++)
		m.buf[m.len++] = (char)(p[i] >= 0x20 && p[i] < 0x7f ? p[i]
								   : '.');
	kmm_msg_send(&m);
}

/*
 * Dumps len bytes at start, at most four lines: those around focus when
 * it lies inside, else the first.
 */
static __noinline void dump(const char *label, const unsigned char *start,
			    size_t len, const unsigned char *focus)
{
	size_t from = 0, to, off;

	if (len > 64 && focus >= start && focus < start + len) {
		from = ALIGN_DOWN((size_t)(focus - start), 16);
		from = from >= 16 ? from - 16 : 0;
	}
	to = MIN(len, from + 64);
	for (off = from; off < to; off += 16)
		hex_line(label, start + off, MIN(16, to - off));
}

static __noinline void say_track(const struct kmm_cache *s, const void *object,
				 int which)
{
	const struct kmm_track *t = get_track(s, object, which);
	struct kmm_msg m = { .len = 0 };

	/* No line for what did not happen yet. */
	if (!(s->debug & KMM_SLAB_STORE_USER) || !t->tid)
		return;
	kmm_msg_str(&m, which == TRACK_ALLOC ? "Allocated in " : "Freed in ");
	msg_site(&m, t->addr);
	kmm_msg_str(&m, " thread=");
	kmm_msg_num(&m, (unsigned long)t->tid, 10);
	kmm_msg_send(&m);
}

static __noinline void say_slab(const struct kmm_cache *s,
				const struct kmm_page *page, const void *object)
{
	uint64_t w = atomic_load_explicit(&page->freelist,
					  memory_order_relaxed);
	unsigned int nfree = (unsigned int)(w >> 48);
	const char *base = __page_address(page);
	struct kmm_msg m = { .len = 0 };

	kmm_msg_str(&m, "Slab ");
	kmm_msg_num(&m, (uintptr_t)base, 16);
	kmm_msg_str(&m, " objects=");
	kmm_msg_num(&m, page->objects, 10);
	kmm_msg_str(&m, " used=");
	kmm_msg_num(&m, page->objects >= nfree ? page->objects - nfree : 0,
		    10);
	kmm_msg_str(&m, " fp=");
	kmm_msg_num(&m, (uintptr_t)(w & 0x0000fffffffffff8ull), 16);
	kmm_msg_str(&m, " flags=");
	kmm_msg_num(&m, page->flags, 16);
	kmm_msg_send(&m);
	m.len = 0;
	kmm_msg_str(&m, "Object ");
	kmm_msg_num(&m, (uintptr_t)object, 16);
	kmm_msg_str(&m, " @offset=");
	kmm_msg_num(&m, (unsigned long)((const char *)object - base), 10);
	kmm_msg_str(&m, " fp=");
	kmm_msg_num(&m, *(const uintptr_t *)((const char *)object + s->offset),
		    16);
	kmm_msg_send(&m);
}

/*
 * The report's head: the kernel's BUG line (its "Not tainted" kept, so
 * that what reads kernel reports reads these).
 */
static __noinline void bug_line(const struct kmm_cache *s, const char *what,
				const void *p)
{
	struct kmm_msg m = { .len = 0 };

	kmm_msg_str(&m, "BUG ");
	kmm_msg_str(&m, s->name);
	kmm_msg_str(&m, " (Not tainted): ");
	kmm_msg_str(&m, what);
	if (p) {
		kmm_msg_str(&m, " ");
		kmm_msg_num(&m, (uintptr_t)p, 16);
	}
	kmm_msg_send(&m);
}

static __noinline void report_head(const struct kmm_cache *s, const char *what,
				   const void *p)
{
	say("=============================================================================");
	bug_line(s, what, p);
	say("-----------------------------------------------------------------------------");
	say("");
}

/* The object's sites, its slab, and its bytes around focus. */
static __noinline void report_object(const struct kmm_cache *s,
				     const struct kmm_page *page,
				     const void *object, const void *focus)
{
	const unsigned char *o = object;

	const unsigned char *f = focus;
	size_t left = MIN(s->red_left, 16u);

	say_track(s, object, TRACK_ALLOC);
	say_track(s, object, TRACK_FREE);
	say_slab(s, page, object);
	say("");
	/* The last line of the left red zone, or the damage in it. */
	if (f >= o - s->red_left && f < o - left)
		dump("Redzone", o - s->red_left, s->red_left, focus);
	else if (left)
		dump("Redzone", o - left, left, focus);
	dump("Object", o, s->object_size, focus);
	if (s->debug & KMM_SLAB_RED_ZONE)
		dump("Redzone", o + s->object_size, red_right_len(s), focus);
}

/*
 * The end of a report: abort, or with KMM_DEBUG_CONTINUE go on (the
 * caller keeps the object out of use).
 */
static __noinline void report_end(const struct kmm_cache *s)
{
	struct kmm_msg m = { .len = 0 };

	kmm_msg_str(&m, "kmm: ");
	kmm_msg_str(&m, s->name);
	if (kmm.opt.debug_continue) {
		kmm_msg_str(&m, ": object kept out of use; going on "
				"(KMM_DEBUG_CONTINUE)");
		kmm_msg_send(&m);
		return;
	}
	kmm_msg_str(&m, ": aborting (KMM_DEBUG_CONTINUE=1 reports and goes on)");
	kmm_msg_send(&m);
	kmm_os_abort();
}

/* "<first>-<last> @offset=<n>. First byte <b> instead of <val>" */
static __noinline void say_damage(const struct kmm_cache *s, const void *object,
				  const unsigned char *bad,
				  const unsigned char *end, unsigned int val)
{
	struct kmm_msg m = { .len = 0 };

	kmm_msg_num(&m, (uintptr_t)bad, 16);
	kmm_msg_str(&m, "-");
	kmm_msg_num(&m, (uintptr_t)end - 1, 16);
	kmm_msg_str(&m, " @offset=");
	kmm_msg_num(&m, (unsigned long)(bad - (const unsigned char *)object +
					s->red_left), 10);
	kmm_msg_str(&m, ". First byte ");
	kmm_msg_num(&m, *bad, 16);
	kmm_msg_str(&m, " instead of ");
	kmm_msg_num(&m, val, 16);
	kmm_msg_send(&m);
}

/*
 * Are the n bytes at start all val?  If not, reports what was
 * overwritten and returns false.
 */
static bool check_bytes(const struct kmm_cache *s,
			const struct kmm_page *page, const void *object,
			const char *what, const unsigned char *start,
			size_t n, unsigned int val)
{
	const unsigned char *bad = NULL, *end;
	size_t i;

	for (i = 0; i < n; i++)
		if (start[i] != val) {
			bad = start + i;
			break;
		}
	if (!bad)
		return true;
	for (end = start + n; end > bad && end[-1] == val; end--)
		;
	report_head(s, what, NULL);
	say_damage(s, object, bad, end, val);
	report_object(s, page, object, bad);
	report_end(s);
	return false;
}

/* A report about the object as a whole: a bad free, a broken slab. */
static __noinline void report(const struct kmm_cache *s,
			      const struct kmm_page *page, const char *what,
			      const void *p, const void *object)
{
	report_head(s, what, p);
	if (object)
		report_object(s, page, object, p);
	report_end(s);
}

static bool check_redzones(const struct kmm_cache *s,
			   const struct kmm_page *page, const void *object,
			   unsigned int val)
{
	const unsigned char *o = object;

	return check_bytes(s, page, object, "Left Redzone overwritten",
			   o - s->red_left, s->red_left, val) &&
	       check_bytes(s, page, object, "Redzone overwritten",
			   o + s->object_size, red_right_len(s), val);
}

static bool check_poison(const struct kmm_cache *s,
			 const struct kmm_page *page, const void *object)
{
	const unsigned char *o = object;

	return check_bytes(s, page, object, "Poison overwritten", o,
			   s->object_size - 1, POISON_FREE) &&
	       check_bytes(s, page, object, "Poison overwritten",
			   o + s->object_size - 1, 1, POISON_END);
}

/*
 * F: the slab is one of s, and its free list holds as many objects as
 * its count says, each an object of the slab with a sound mark, and not
 * object (NULL: any).  Under s->lock, so no pop runs; pushes only add in
 * front of the head read here.
 */
static bool check_slab(struct kmm_cache *s, struct kmm_page *page,
		       const void *object)
{
	const char *base = __page_address(page);
	const char *why = NULL;
	uint64_t w;
	unsigned int count, i;
	char *p;

	if (!(page->flags & PG_slab) || page->slab_cache != s ||
	    page->objects != s->objects) {
		report(s, page, "Slab not a slab of this cache", base, NULL);
		return false;
	}
	kmm_lock(&s->lock);
	w = atomic_load_explicit(&page->freelist, memory_order_acquire);
	count = (unsigned int)(w >> 48);
	p = (char *)(uintptr_t)(w & 0x0000fffffffffff8ull);
	for (i = 0; i < count && p && !why; i++) {
		uintptr_t *fw = free_words(s->offset, p);

		if ((uintptr_t)(p - base) >= (PAGE_SIZE << s->order) ||
		    !slab_debug_object_ok(s, p))
			why = "Freelist Pointer check fails";
		else if (kmm_hardened() && fw[1] != free_mark(p, fw[0]))
			why = "Freelist corrupted";
		else if (p == object)
			why = "Object already free";
		else if (*state(s, p) != STATE_FREE)
			why = "Freelist holds an object not free";
		else
			p = freeptr_decode(fw, fw[0]);
	}
	if (!why && (i != count || (count && p)))
		why = "Wrong object count";
	kmm_unlock(&s->lock);
	if (!why)
		return true;
	report(s, page, why, p, object);
	return false;
}

static __noinline void trace(const struct kmm_cache *s, const char *what,
			     const void *object)
{
	struct kmm_msg m = { .len = 0 };

	kmm_msg_str(&m, "TRACE ");
	kmm_msg_str(&m, s->name);
	kmm_msg_str(&m, " ");
	kmm_msg_str(&m, what);
	kmm_msg_str(&m, " ");
	kmm_msg_num(&m, (uintptr_t)object, 16);
	kmm_msg_str(&m, " size=");
	kmm_msg_num(&m, s->object_size, 10);
	kmm_msg_str(&m, " from ");
	msg_site(&m, program_site());
	kmm_msg_str(&m, " thread=");
	kmm_msg_num(&m, (unsigned long)current_tid(), 10);
	kmm_msg_send(&m);
}

/* --------------------------------------------------------- alloc, free */

/*
 * Keeps a reported object out of use (KMM_DEBUG_CONTINUE): it reads as
 * freed, so a later free of it is reported too.
 */
static void keep_out(const struct kmm_cache *s, void *object)
{
	*state(s, object) = STATE_KEPT;
}

/* F: an object taken off a free list was free. */
static bool check_free_state(const struct kmm_cache *s,
			     const struct kmm_page *page, const void *object)
{
	if (*state(s, object) == STATE_FREE)
		return true;
	report(s, page, "Freelist holds an object not free", object, object);
	return false;
}

bool kmm_slab_debug_alloc(struct kmm_cache *s, struct kmm_page *page,
			  void *object)
{
	unsigned int d = s->debug;

	if ((d & KMM_SLAB_CONSISTENCY_CHECKS) &&
	    (!check_slab(s, page, NULL) || !check_free_state(s, page, object)))
		goto out;
	if ((d & KMM_SLAB_RED_ZONE) &&
	    !check_redzones(s, page, object, RED_INACTIVE))
		goto out;
	if ((d & KMM_SLAB_POISON) && !check_poison(s, page, object))
		goto out;
	if (d & KMM_SLAB_RED_ZONE)
		set_redzones(s, object, RED_ACTIVE);
	if (d & KMM_SLAB_POISON)
		memset(object, POISON_INUSE, s->object_size);
	*state(s, object) = STATE_LIVE;
	if (d & KMM_SLAB_STORE_USER)
		set_track(s, object, TRACK_ALLOC);
	if (d & KMM_SLAB_TRACE)
		trace(s, "alloc", object);
	return true;
out:
	keep_out(s, object);
	return false;
}


bool kmm_slab_debug_free(struct kmm_cache *s, struct kmm_page *page,
			 void *p, const char *fn)
{
	const char *base = __page_address(page);
	unsigned int d = s->debug;
	void *object;
	uint64_t st;
	size_t idx;

	(void)fn;
	if (!slab_debug_object_ok(s, p)) {
		/* The object p points into, or the one after the gap. */
		idx = (size_t)((const char *)p - base) / s->size;
		object = idx < s->objects ? (char *)base + idx * s->size +
						    s->red_left
					  : NULL;
		report(s, page, "Invalid object pointer", p, object);
		return false;
	}
	object = p;
	st = *state(s, object);
	if (st == STATE_FREE || st == STATE_KEPT) {
		report(s, page, "Object already free", object, object);
		return false;
	}
	if (st != STATE_LIVE) {
		/* An overrun past the red zone, or no red zone. */
		report(s, page, "Object state overwritten", object, object);
		return false;
	}
	if ((d & KMM_SLAB_CONSISTENCY_CHECKS) && !check_slab(s, page, object))
		goto out;
	if ((d & KMM_SLAB_RED_ZONE) &&
	    !check_redzones(s, page, object, RED_ACTIVE))
		goto out;
	if (d & KMM_SLAB_STORE_USER)
		set_track(s, object, TRACK_FREE);
	if (d & KMM_SLAB_TRACE)
		trace(s, "free", object);
	if (d & KMM_SLAB_POISON)
		poison(s, object);
	if (d & KMM_SLAB_RED_ZONE)
		set_redzones(s, object, RED_INACTIVE);
	*state(s, object) = STATE_FREE;
	return true;
out:
	keep_out(s, object);
	return false;
}
