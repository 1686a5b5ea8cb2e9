// Counts heap allocations made by one thread, for the test that the audio thread never
// allocates. The test binary's malloc, calloc, realloc and the aligned allocators are
// replaced by ones that count (on the calling thread, while armed) and forward to glibc.
#pragma once

/// Starts counting this thread's allocations from zero.
void lm_allocations_arm(void);
/// Stops counting and returns how many allocations this thread made since arming.
long lm_allocations_disarm(void);
