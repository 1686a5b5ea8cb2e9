#ifndef LOOPMIND_UNNAMED_FILE_H
#define LOOPMIND_UNNAMED_FILE_H

/// Opens a new file with no name in `folder` (Linux's O_TMPFILE), for reading and writing, with
/// permissions `mode`: it vanishes when its last descriptor closes, so a writer killed before it
/// names the file leaves nothing behind. Returns the descriptor, or -1 with errno set (EOPNOTSUPP,
/// EISDIR or EINVAL where the folder's file system, or the C library, has no unnamed files).
int lm_open_unnamed_file(const char *folder, unsigned int mode);

#endif
