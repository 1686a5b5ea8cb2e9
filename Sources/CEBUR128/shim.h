// libebur128: BS.1770-4 / EBU R128 loudness, loudness range and true peak.
#include <ebur128.h>
