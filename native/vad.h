// whisper.cpp's voice activity detector (Silero VAD on ggml): loading one
// context, and finding the speech in a chunk's 16 kHz samples. A context
// carries the network's recurrent state and scratch buffers, so one thread
// at a time may use it; ModelCore keeps one per decoding state in a pool.
#pragma once

#include <string>
#include <vector>

struct whisper_vad_context;

namespace asr {

struct SpeechSpan {
  double start_ms;
  double end_ms;
};

// Worker thread. Checks the file first; throws EngineError (MODEL_NOT_FOUND,
// MODEL_INVALID).
whisper_vad_context* LoadVadContext(const std::string& path);

// The speech in `samples` (16 kHz mono), in order, each span inside the
// audio. Empty when the detector hears none. Throws EngineError (INTERNAL).
std::vector<SpeechSpan> DetectSpeech(whisper_vad_context* context,
                                     const std::vector<float>& samples);

}  // namespace asr
