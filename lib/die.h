/* die.h: fatal and warning messages for programs, in the form
 * "PROG: fatal: WHAT: REASON", and the exit codes every program uses.
 * Only programs call these; library modules return -1 with errno. */
#ifndef IM2K_DIE_H
#define IM2K_DIE_H

#define EXIT_OK 0
#define EXIT_PERM 100   /* permanent: bad input, do not retry */
#define EXIT_TEMP 111   /* temporary: try again later */

extern const char *die_prog;

/* die: print "PROG: fatal: MSG" and exit with code. */
_Noreturn void die(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* die_sys: the same, with ": strerror(errno)" appended. */
_Noreturn void die_sys(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* die_nomem: out of memory is always temporary. */
_Noreturn void die_nomem(void);
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_sys(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* info: a plain log line "PROG: MSG", for daemons' multilog. */
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
