#include "decode_audio_job.h"

#include <cstring>

namespace asr {

DecodeAudioJob::DecodeAudioJob(Napi::Env env, Napi::Buffer<uint8_t> audio,
                               AudioSpec spec)
    : NativeJob(env),
      audio_ref_(Napi::Persistent(audio)),
      data_(audio.Data()),
      size_(audio.Length()),
      spec_(spec) {}

void DecodeAudioJob::Execute() { decoded_ = DecodeAudio(data_, size_, spec_); }

Napi::Value DecodeAudioJob::Result(Napi::Env env) {
  const size_t count = decoded_.samples.size();
  Napi::Float32Array samples = Napi::Float32Array::New(env, count);
  std::memcpy(samples.Data(), decoded_.samples.data(), count * sizeof(float));

  Napi::Object result = Napi::Object::New(env);
  result.Set("samples", samples);
  result.Set("inputMs", decoded_.input_ms);
  result.Set("inputSampleRate", decoded_.input_sample_rate);
  result.Set("inputChannels", decoded_.input_channels);
  return result;
}

}  // namespace asr
