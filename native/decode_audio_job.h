// Decodes and resamples audio without transcribing it: what whisper would
// receive. Tests use it to measure the conversion itself.
#pragma once

#include <napi.h>

#include "audio.h"
#include "native_job.h"

namespace asr {

class DecodeAudioJob : public NativeJob {
 public:
  DecodeAudioJob(Napi::Env env, Napi::Buffer<uint8_t> audio, AudioSpec spec);

 protected:
  void Execute() override;
  Napi::Value Result(Napi::Env env) override;

 private:
  // The caller's buffer is read in place, never copied: the reference keeps
  // it alive until the job settles.
  Napi::Reference<Napi::Buffer<uint8_t>> audio_ref_;
  const uint8_t* data_;
  size_t size_;
  AudioSpec spec_;
  DecodedAudio decoded_;
};

}  // namespace asr
