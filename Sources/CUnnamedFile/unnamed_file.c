// O_TMPFILE is a GNU extension, and a compound macro Swift cannot import: hence this shim.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>
#include "unnamed_file.h"

int lm_open_unnamed_file(const char *folder, unsigned int mode) {
#ifdef O_TMPFILE
    return open(folder, O_TMPFILE | O_RDWR | O_CLOEXEC, (mode_t)mode);
#else
    (void)folder; (void)mode;
    errno = EOPNOTSUPP;
    return -1;
#endif
}
