// libsoxr: high-quality sample-rate conversion, for codecs that accept only some rates (Opus, MP3).
#include <soxr.h>
