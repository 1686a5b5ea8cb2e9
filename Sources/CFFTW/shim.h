// FFTW 3, single precision (libfftw3f): the real FFTs behind the tone curves and spectral features.
#include <fftw3.h>
