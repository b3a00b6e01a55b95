// One transcription: decode the audio, measure its level, look for speech
// (when the model has a VAD), borrow a state, run whisper_full, collect the
// segments with their quality numbers. A chunk below the silence floor, or
// without speech, is answered before any state is borrowed. Everything it
// needs is copied into plain C++ values on the JS thread before it starts.
#pragma once

#include <napi.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audio.h"
#include "model_core.h"
#include "native_job.h"
#include "options.h"
#include "vad.h"

namespace asr {

struct Segment {
  int64_t start_ms;
  int64_t end_ms;
  std::string text;
  float no_speech_prob;  // whisper's, for the window the segment came from
  double avg_logprob;    // over the text tokens; 0 when there are none
  int tokens;            // text tokens: no timestamps, no special tokens
};

// Why whisper_full did not run on a chunk that was answered anyway.
enum class Skip { kNone, kSilence, kNoSpeech };

class TranscribeJob : public NativeJob {
 public:
  TranscribeJob(Napi::Env env, std::shared_ptr<ModelCore> core, uint32_t job_id,
                Napi::Buffer<uint8_t> audio, AudioSpec spec,
                TranscribeOptions options);

 protected:
  void Execute() override;
  Napi::Value Result(Napi::Env env) override;

 private:
  std::vector<float> Convert();
  void FindSpeech(const std::vector<float>& samples);
  void DecodeOnFreeState(const std::vector<float>& samples);
  void Decode(whisper_state* state, const std::vector<float>& samples);
  void CollectSegments(whisper_state* state);
  void ThrowIfStopped() const;

  std::shared_ptr<ModelCore> core_;
  uint32_t job_id_;
  std::shared_ptr<StopFlag> stop_;

  // The caller's buffer is read in place, never copied: the reference keeps
  // it alive until the job settles. Callers must not modify it meanwhile.
  Napi::Reference<Napi::Buffer<uint8_t>> audio_ref_;
  const uint8_t* data_;
  size_t size_;
  AudioSpec spec_;
  TranscribeOptions options_;

  std::vector<Segment> segments_;
  std::string language_;
  double audio_ms_ = 0;
  double level_dbfs_ = 0;
  Skip skip_ = Skip::kNone;
  std::optional<std::vector<SpeechSpan>> speech_;  // only when the VAD ran
  double convert_ms_ = 0;
  double wait_ms_ = 0;
  double vad_ms_ = 0;
  double decode_ms_ = 0;
};

}  // namespace asr
