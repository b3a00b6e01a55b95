#include "vad.h"

#include <algorithm>
#include <exception>
#include <memory>

#include "audio.h"
#include "errors.h"
#include "vad_model_file.h"
#include "whisper.h"

namespace asr {
namespace {

// Silero scores one 32 ms window per graph run: far too little work to share
// between threads, and ggml would start a pool of them for every window.
constexpr int kVadThreads = 1;

struct SegmentsDeleter {
  void operator()(whisper_vad_segments* segments) const {
    whisper_vad_free_segments(segments);
  }
};

}  // namespace

whisper_vad_context* LoadVadContext(const std::string& path) {
  CheckVadModelFile(path);

  whisper_vad_context_params params = whisper_vad_default_context_params();
  params.n_threads = kVadThreads;
  // whisper.cpp runs the detector on the CPU whatever this says; asking for
  // the GPU would only place the weights where the CPU cannot use them.
  params.use_gpu = false;
  whisper_vad_context* context = nullptr;
  try {
    context = whisper_vad_init_from_file_with_params(path.c_str(), params);
  } catch (const std::exception& error) {
    throw EngineError(ErrorCode::kModelInvalid,
                      "VAD model file '" + path + "': " + error.what());
  }
  if (context == nullptr) {
    throw EngineError(ErrorCode::kModelInvalid,
                      "whisper.cpp rejected the VAD model '" + path +
                          "' (the native log says why)");
  }
  return context;
}

std::vector<SpeechSpan> DetectSpeech(whisper_vad_context* context,
                                     const std::vector<float>& samples) {
  std::unique_ptr<whisper_vad_segments, SegmentsDeleter> segments(
      whisper_vad_segments_from_samples(context, whisper_vad_default_params(),
                                        samples.data(),
                                        static_cast<int>(samples.size())));
  if (!segments) {
    throw EngineError(ErrorCode::kInternal,
                      "voice activity detection failed (the native log says "
                      "why)");
  }

  // The detector scores whole 32 ms windows, so its last span can reach
  // past the final sample; times come in 10 ms units.
  const double audio_ms = samples.size() * 1000.0 / kWhisperSampleRate;
  const int count = whisper_vad_segments_n_segments(segments.get());
  std::vector<SpeechSpan> spans;
  spans.reserve(count);
  for (int i = 0; i < count; ++i) {
    const double start =
        whisper_vad_segments_get_segment_t0(segments.get(), i) * 10.0;
    const double end =
        whisper_vad_segments_get_segment_t1(segments.get(), i) * 10.0;
    spans.push_back({std::min(start, audio_ms), std::min(end, audio_ms)});
  }
  return spans;
}

}  // namespace asr
