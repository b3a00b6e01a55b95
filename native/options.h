// Plain C++ copies of what JS passed, read on the main thread so that worker
// threads never touch a Napi value. TypeScript validates every option first
// (src/engine/options.ts); these readers only guard against a caller that
// bypassed it.
#pragma once

#include <napi.h>

#include <string>

#include "audio.h"

namespace asr {

struct LoadOptions {
  bool use_gpu = true;
  int gpu_device = 0;
  bool flash_attention = true;
  int states = 1;
  std::string vad_model_path;  // empty: no voice activity detection
};

struct TranscribeOptions {
  int threads = 1;
  std::string language = "en";  // "auto" detects
  bool translate = false;
  std::string prompt;
  bool timestamps = true;
  bool single_segment = false;
  int max_tokens = 0;  // per segment, 0: no limit
  float temperature = 0.0f;
  float temperature_increment = 0.2f;  // 0 disables fallback
  int beam_size = 1;                   // 1: greedy
  int best_of = 1;
  int audio_ctx = 0;  // 0: the model's window, -1: sized to the audio
  double timeout_ms = 0;
  // Chunks quieter than this (RMS, dBFS) are answered without decoding;
  // -infinity turns the gate off.
  double silence_floor_dbfs = -60;
};

LoadOptions ReadLoadOptions(const Napi::Object& object);
TranscribeOptions ReadTranscribeOptions(const Napi::Object& object);
AudioSpec ReadAudioSpec(const Napi::Object& object);

}  // namespace asr
