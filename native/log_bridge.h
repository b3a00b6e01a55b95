// Routes whisper.cpp and ggml log output to a JS callback instead of stderr.
// The log hook may fire on any thread; it queues complete lines under a lock
// and wakes the JS thread, which hands them to the callback in order.
#pragma once

#include <napi.h>

namespace asr {

// Installs the hooks (once per process) and sets the JS receiver, called as
// receiver(level, line) with level one of "debug", "info", "warn", "error".
// Passing undefined detaches the receiver; lines are then dropped.
void SetLogReceiver(const Napi::CallbackInfo& info);

// Detaches the receiver of this environment (environment cleanup).
void DetachLogReceiver();

}  // namespace asr
