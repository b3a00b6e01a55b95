// Walks a Silero VAD ggml file before whisper.cpp sees it. whisper.cpp's VAD
// loader trusts the file even more than its model loader: it indexes four
// encoder layers whatever the header says, sizes buffers from unchecked
// lengths, builds its graph with Silero's widths written into the code, and
// accepts a file without tensors as an "empty model for testing". Only the
// exact layout that models/convert-silero-vad-to-ggml.py writes gets through.
#pragma once

#include <string>

namespace asr {

// Throws EngineError: MODEL_NOT_FOUND or MODEL_INVALID.
void CheckVadModelFile(const std::string& path);

}  // namespace asr
