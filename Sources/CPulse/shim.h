// PulseAudio client library (also served by PipeWire's pulse server).
#include <pulse/pulseaudio.h>
#include <pulse/simple.h>
#include <pulse/error.h>
