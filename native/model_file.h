// Walks a whisper ggml model file before whisper.cpp sees it. whisper.cpp
// trusts the file: a tensor header with more than four dimensions overruns a
// stack array, a huge name length allocates without bound, and a vocabulary
// without the " " token throws from a decoding thread and ends the process.
// Each of those becomes a MODEL_INVALID error here instead.
#pragma once

#include <string>

namespace asr {

// Throws EngineError: MODEL_NOT_FOUND or MODEL_INVALID.
void CheckModelFile(const std::string& path);

}  // namespace asr
