// Module entry: exports, per-environment data and the cleanup hook.
//
// Exception mode: C++ exceptions (NAPI_CPP_EXCEPTIONS). whisper.cpp is C++
// and can throw; jobs catch everything on their thread and the boundary
// turns Napi::Error into a JS exception, so no failure path is silent.
#include <napi.h>

#include <memory>
#include <string>

#include "addon_data.h"
#include "decode_audio_job.h"
#include "errors.h"
#include "load_job.h"
#include "log_bridge.h"
#include "native_model.h"
#include "options.h"
#include "whisper.h"

namespace asr {
namespace {

// loadModel(path, options) -> Promise<NativeModel>
Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject()) {
    throw MakeJsError(env, ErrorCode::kInvalidArgument,
                      "loadModel(path: string, options: object)");
  }
  try {
    LoadOptions options = ReadLoadOptions(info[1].As<Napi::Object>());
    auto job = std::make_unique<LoadJob>(
        env, info[0].As<Napi::String>().Utf8Value(), options);
    return NativeJob::Start(env, std::move(job));
  } catch (const EngineError& error) {
    throw MakeJsError(env, error.code(), error.what());
  }
}

// decodeAudio(audio, spec) -> Promise<{ samples, inputMs, ... }>
Napi::Value DecodeAudioFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsObject()) {
    throw MakeJsError(env, ErrorCode::kInvalidArgument,
                      "decodeAudio(audio: Buffer, spec: object)");
  }
  try {
    AudioSpec spec = ReadAudioSpec(info[1].As<Napi::Object>());
    auto job = std::make_unique<DecodeAudioJob>(
        env, info[0].As<Napi::Buffer<uint8_t>>(), spec);
    return NativeJob::Start(env, std::move(job));
  } catch (const EngineError& error) {
    throw MakeJsError(env, error.code(), error.what());
  }
}

Napi::Value SetLogReceiverFn(const Napi::CallbackInfo& info) {
  SetLogReceiver(info);
  return info.Env().Undefined();
}

// Every language code whisper knows, in its id order.
Napi::Value Languages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int max_id = whisper_lang_max_id();
  Napi::Array codes = Napi::Array::New(env, max_id + 1);
  for (int id = 0; id <= max_id; ++id) codes.Set(id, whisper_lang_str(id));
  return codes;
}

Napi::Value SystemInfo(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), whisper_print_system_info());
}

Napi::Object Versions(Napi::Env env) {
  Napi::Object versions = Napi::Object::New(env);
  versions.Set("whisper", whisper_version());
  versions.Set("whisperExpected", ASR_WHISPER_EXPECTED_VERSION);
  versions.Set("napi", NAPI_VERSION);
  versions.Set("backend", ASR_BACKEND_NAME);
  return versions;
}

// Frees what the user forgot: stops and closes every model, then waits for
// job threads to leave whisper code before the environment goes away.
void CleanupEnvironment() {
  DetachLogReceiver();
  CloseAllModels();
  NativeJob::WaitForRunningJobs();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->model_class = Napi::Persistent(NativeModel::DefineClass(env));
  env.SetInstanceData<AddonData>(data);
  env.AddCleanupHook(CleanupEnvironment);

  exports.Set("loadModel", Napi::Function::New<LoadModel>(env, "loadModel"));
  exports.Set("decodeAudio",
              Napi::Function::New<DecodeAudioFn>(env, "decodeAudio"));
  exports.Set("setLogReceiver",
              Napi::Function::New<SetLogReceiverFn>(env, "setLogReceiver"));
  exports.Set("languages", Napi::Function::New<Languages>(env, "languages"));
  exports.Set("systemInfo", Napi::Function::New<SystemInfo>(env, "systemInfo"));
  exports.Set("versions", Versions(env));
  return exports;
}

}  // namespace asr

// The module macro needs an unqualified function name.
static Napi::Object InitAsrEngine(Napi::Env env, Napi::Object exports) {
  return asr::Init(env, exports);
}

NODE_API_MODULE(asr_engine, InitAsrEngine)
