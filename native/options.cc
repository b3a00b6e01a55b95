#include "options.h"

#include <cmath>

#include "errors.h"

namespace asr {
namespace {

[[noreturn]] void BadOption(const char* name, const char* expected) {
  throw EngineError(ErrorCode::kInvalidArgument,
                    std::string("option '") + name + "' must be " + expected);
}

bool ReadBool(const Napi::Object& object, const char* name, bool fallback) {
  Napi::Value value = object.Get(name);
  if (value.IsUndefined()) return fallback;
  if (!value.IsBoolean()) BadOption(name, "a boolean");
  return value.As<Napi::Boolean>().Value();
}

double ReadNumber(const Napi::Object& object, const char* name,
                  double fallback) {
  Napi::Value value = object.Get(name);
  if (value.IsUndefined()) return fallback;
  if (!value.IsNumber()) BadOption(name, "a number");
  return value.As<Napi::Number>().DoubleValue();
}

std::string ReadString(const Napi::Object& object, const char* name,
                       const std::string& fallback) {
  Napi::Value value = object.Get(name);
  if (value.IsUndefined()) return fallback;
  if (!value.IsString()) BadOption(name, "a string");
  return value.As<Napi::String>().Utf8Value();
}

AudioEncoding ParseEncoding(const std::string& name) {
  if (name == "auto") return AudioEncoding::kAuto;
  if (name == "wav") return AudioEncoding::kWav;
  if (name == "mp3") return AudioEncoding::kMp3;
  if (name == "flac") return AudioEncoding::kFlac;
  if (name == "pcm_s16le") return AudioEncoding::kPcmS16le;
  if (name == "pcm_f32le") return AudioEncoding::kPcmF32le;
  throw EngineError(ErrorCode::kUnsupportedEncoding,
                    "encoding '" + name +
                        "' is not one of wav, mp3, flac, pcm_s16le, "
                        "pcm_f32le, auto");
}

}  // namespace

LoadOptions ReadLoadOptions(const Napi::Object& object) {
  LoadOptions options;
  options.use_gpu = ReadBool(object, "useGpu", options.use_gpu);
  options.gpu_device =
      static_cast<int>(ReadNumber(object, "gpuDevice", options.gpu_device));
  options.flash_attention =
      ReadBool(object, "flashAttention", options.flash_attention);
  options.states = static_cast<int>(ReadNumber(object, "states", 1));
  if (options.states < 1 || options.states > 64) {
    BadOption("states", "an integer from 1 to 64");
  }
  options.vad_model_path = ReadString(object, "vadModelPath", "");
  return options;
}

TranscribeOptions ReadTranscribeOptions(const Napi::Object& object) {
  TranscribeOptions o;
  o.threads = static_cast<int>(ReadNumber(object, "threads", o.threads));
  o.language = ReadString(object, "language", o.language);
  o.translate = ReadBool(object, "translate", o.translate);
  o.prompt = ReadString(object, "prompt", o.prompt);
  o.timestamps = ReadBool(object, "timestamps", o.timestamps);
  o.single_segment = ReadBool(object, "singleSegment", o.single_segment);
  o.max_tokens = static_cast<int>(ReadNumber(object, "maxTokens", 0));
  o.temperature =
      static_cast<float>(ReadNumber(object, "temperature", o.temperature));
  o.temperature_increment = static_cast<float>(
      ReadNumber(object, "temperatureIncrement", o.temperature_increment));
  o.beam_size = static_cast<int>(ReadNumber(object, "beamSize", o.beam_size));
  o.best_of = static_cast<int>(ReadNumber(object, "bestOf", o.best_of));
  o.audio_ctx = static_cast<int>(ReadNumber(object, "audioCtx", 0));
  o.silence_floor_dbfs =
      ReadNumber(object, "silenceFloorDbfs", o.silence_floor_dbfs);
  if (o.threads < 1) BadOption("threads", "at least 1");
  if (o.beam_size < 1) BadOption("beamSize", "at least 1");
  if (o.best_of < 1) BadOption("bestOf", "at least 1");
  if (std::isnan(o.silence_floor_dbfs)) {
    BadOption("silenceFloorDbfs", "a number or -Infinity");
  }
  return o;
}

AudioSpec ReadAudioSpec(const Napi::Object& object) {
  AudioSpec spec;
  spec.encoding = ParseEncoding(ReadString(object, "encoding", "auto"));
  spec.sample_rate = static_cast<uint32_t>(ReadNumber(object, "sampleRate", 0));
  spec.channels = static_cast<uint32_t>(ReadNumber(object, "channels", 1));
  spec.max_seconds = ReadNumber(object, "maxSeconds", 0);
  return spec;
}

}  // namespace asr
