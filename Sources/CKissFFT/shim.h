// KissFFT (float build): the real FFT behind the tone curve and spectral features.
// Debian's pkg-config file defines kiss_fft_scalar=float; repeat it so the
// header agrees with the library even when pkg-config flags are not passed.
#ifndef kiss_fft_scalar
#define kiss_fft_scalar float
#endif
#include <kiss_fftr.h>
