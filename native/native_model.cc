#include "native_model.h"

#include <mutex>
#include <set>

#include "addon_data.h"
#include "errors.h"
#include "transcribe_job.h"
#include "whisper.h"

namespace asr {
namespace {

// Every open model, so environment cleanup can close what users forgot.
struct OpenModels {
  std::mutex mutex;
  std::set<std::shared_ptr<ModelCore>> cores;
};

OpenModels& Open() {
  static OpenModels* open = new OpenModels();  // outlives exit-time dtors
  return *open;
}

void Forget(const std::shared_ptr<ModelCore>& core) {
  std::lock_guard<std::mutex> lock(Open().mutex);
  Open().cores.erase(core);
}

}  // namespace

Napi::Function NativeModel::DefineClass(Napi::Env env) {
  return ObjectWrap<NativeModel>::DefineClass(
      env, "NativeModel",
      {InstanceMethod<&NativeModel::Transcribe>("transcribe"),
       InstanceMethod<&NativeModel::Abort>("abort"),
       InstanceMethod<&NativeModel::Close>("close"),
       InstanceMethod<&NativeModel::Info>("info")});
}

Napi::Object NativeModel::Create(Napi::Env env,
                                 std::shared_ptr<ModelCore> core) {
  Napi::Object object = env.GetInstanceData<AddonData>()->model_class.New({});
  {
    std::lock_guard<std::mutex> lock(Open().mutex);
    Open().cores.insert(core);
  }
  NativeModel::Unwrap(object)->core_ = std::move(core);
  return object;
}

NativeModel::NativeModel(const Napi::CallbackInfo& info)
    : ObjectWrap<NativeModel>(info) {}

NativeModel::~NativeModel() {
  if (!core_) return;
  // Garbage-collected without close(): no call can be running (each holds
  // the JS object), so dropping the last reference frees the model.
  Forget(core_);
  core_.reset();
}

// transcribe(jobId, audio, audioSpec, options) -> Promise<result>
Napi::Value NativeModel::Transcribe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!core_ || core_->closed()) {
    throw MakeJsError(env, ErrorCode::kClosed, "the model is closed");
  }
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsBuffer() ||
      !info[2].IsObject() || !info[3].IsObject()) {
    throw MakeJsError(env, ErrorCode::kInvalidArgument,
                      "transcribe(jobId, audio: Buffer, spec, options)");
  }

  try {
    AudioSpec spec = ReadAudioSpec(info[2].As<Napi::Object>());
    TranscribeOptions options =
        ReadTranscribeOptions(info[3].As<Napi::Object>());
    auto job = std::make_unique<TranscribeJob>(
        env, core_, info[0].As<Napi::Number>().Uint32Value(),
        info[1].As<Napi::Buffer<uint8_t>>(), spec, std::move(options));
    return NativeJob::Start(env, std::move(job));
  } catch (const EngineError& error) {
    throw MakeJsError(env, error.code(), error.what());
  }
}

// abort(jobId, reason: "aborted" | "timeout" | "closed") -> whether the job
// was running
Napi::Value NativeModel::Abort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!core_ || info.Length() < 1 || !info[0].IsNumber()) {
    return Napi::Boolean::New(env, false);
  }
  const std::string reason = info.Length() > 1 && info[1].IsString()
                                 ? info[1].As<Napi::String>().Utf8Value()
                                 : "aborted";
  const StopReason stop = reason == "timeout"  ? StopReason::kTimeout
                          : reason == "closed" ? StopReason::kClosed
                                               : StopReason::kAborted;
  const bool found =
      core_->StopJob(info[0].As<Napi::Number>().Uint32Value(), stop);
  return Napi::Boolean::New(env, found);
}

// close(): stops running jobs and frees the model once they have returned.
// TypeScript awaits every call before calling it, so it rarely waits here.
Napi::Value NativeModel::Close(const Napi::CallbackInfo& info) {
  if (core_) {
    Forget(core_);
    core_->Close();
    core_.reset();
  }
  return info.Env().Undefined();
}

Napi::Value NativeModel::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!core_ || core_->closed()) {
    throw MakeJsError(env, ErrorCode::kClosed, "the model is closed");
  }
  whisper_context* ctx = core_->context();
  Napi::Object result = Napi::Object::New(env);
  result.Set("type", whisper_model_type_readable(ctx));
  result.Set("multilingual", whisper_is_multilingual(ctx) != 0);
  result.Set("vocabulary", whisper_model_n_vocab(ctx));
  result.Set("audioContext", whisper_model_n_audio_ctx(ctx));
  result.Set("audioState", whisper_model_n_audio_state(ctx));
  result.Set("audioLayers", whisper_model_n_audio_layer(ctx));
  result.Set("textContext", whisper_model_n_text_ctx(ctx));
  result.Set("textLayers", whisper_model_n_text_layer(ctx));
  result.Set("mels", whisper_model_n_mels(ctx));
  result.Set("states", core_->state_count());
  result.Set("useGpu", core_->options().use_gpu);
  result.Set("flashAttention", core_->options().flash_attention);
  result.Set("vad", core_->has_vad());
  return result;
}

void CloseAllModels() {
  std::set<std::shared_ptr<ModelCore>> cores;
  {
    std::lock_guard<std::mutex> lock(Open().mutex);
    cores.swap(Open().cores);
  }
  for (const auto& core : cores) core->Close();
}

}  // namespace asr
