// libsndfile: read and write every audio format the product supports.
#include <sndfile.h>
