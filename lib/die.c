/* die.c: the messages programs print before they exit.
 * Trusts its callers' format strings; prints to stderr only. */
#include "die.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *die_prog = "im2k";

static void say(const char *kind, const char *fmt, va_list ap, int err)
{
  char msg[1024];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (err)
    fprintf(stderr, "%s: %s%s: %s\n", die_prog, kind, msg, strerror(err));
  else
    fprintf(stderr, "%s: %s%s\n", die_prog, kind, msg);
  fflush(stderr);
}

void die(int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  say("fatal: ", fmt, ap, 0);
  va_end(ap);
  exit(code);
}

void die_sys(int code, const char *fmt, ...)
{
  int err = errno;
  va_list ap;
  va_start(ap, fmt);
  say("fatal: ", fmt, ap, err ? err : EIO);
  va_end(ap);
  exit(code);
}

void die_nomem(void)
{
  die(EXIT_TEMP, "out of memory");
}

void warn(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  say("warning: ", fmt, ap, 0);
  va_end(ap);
}

void warn_sys(const char *fmt, ...)
{
  int err = errno;
  va_list ap;
  va_start(ap, fmt);
  say("warning: ", fmt, ap, err ? err : EIO);
  va_end(ap);
}

void info(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  say("", fmt, ap, 0);
  va_end(ap);
}
