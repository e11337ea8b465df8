/* addr.h: the addresses im2k accepts: LOCAL@DOMAIN, at most 254 bytes,
 * a plain local part (no quoting, no spaces, no control characters) and
 * a DNS domain of letters, digits, '-' and '.'.  Domains compare without
 * regard to case and are stored in lower case. */
#ifndef IM2K_ADDR_H
#define IM2K_ADDR_H

#include <stddef.h>

#define ADDR_MAX 254
#define DOMAIN_MAX 253
#define LOCAL_MAX 64

/* addr_check: 1 if s (length n) is an acceptable address. */
int addr_check(const char *s, size_t n);
/* domain_check: 1 if s (length n) is an acceptable domain. */
int domain_check(const char *s, size_t n);
/* local_check: 1 if s is an acceptable local part (also user names). */
int local_check(const char *s, size_t n);
/* addr_domain: the part after the last '@' (s must be checked). */
const char *addr_domain(const char *s);
/* addr_lower: lower-case the domain part in place. */
void addr_lower(char *s);
void domain_lower(char *s);

#endif
