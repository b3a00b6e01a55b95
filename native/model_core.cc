#include "model_core.h"

#include <vector>

#include "errors.h"
#include "model_file.h"
#include "vad.h"
#include "vad_model_file.h"
#include "whisper.h"

namespace asr {

std::shared_ptr<ModelCore> ModelCore::Load(const std::string& path,
                                           const LoadOptions& options) {
  // Both files are checked before either is loaded: a bad VAD path fails
  // fast, not after seconds of loading the whisper model.
  CheckModelFile(path);
  if (!options.vad_model_path.empty()) {
    CheckVadModelFile(options.vad_model_path);
  }

  whisper_context_params params = whisper_context_default_params();
  params.use_gpu = options.use_gpu;
  params.gpu_device = options.gpu_device;
  params.flash_attn = options.flash_attention;

  std::shared_ptr<ModelCore> core(new ModelCore());
  core->options_ = options;
  core->context_ =
      whisper_init_from_file_with_params_no_state(path.c_str(), params);
  if (core->context_ == nullptr) {
    throw EngineError(
        ErrorCode::kModelInvalid,
        "whisper.cpp rejected '" + path + "' (the native log says why)");
  }

  // On a throw below, the shared_ptr frees whatever was made so far.
  core->LoadStates();
  if (core->has_vad()) core->LoadVads();
  return core;
}

void ModelCore::LoadStates() {
  for (int i = 0; i < options_.states; ++i) {
    whisper_state* state = whisper_init_state(context_);
    if (state == nullptr) {
      throw EngineError(
          ErrorCode::kInternal,
          "could not allocate decoding state " + std::to_string(i + 1) +
              " of " + std::to_string(options_.states) + " (out of memory?)");
    }
    pool_.Add(state);
    ++state_count_;
  }
}

// One detector per state: every decode that can run at once has its own.
void ModelCore::LoadVads() {
  for (int i = 0; i < options_.states; ++i) {
    vads_.Add(LoadVadContext(options_.vad_model_path));
  }
}

ModelCore::~ModelCore() { Close(); }

std::shared_ptr<StopFlag> ModelCore::RegisterJob(uint32_t job_id) {
  auto flag = std::make_shared<StopFlag>(static_cast<int>(StopReason::kNone));
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) flag->store(static_cast<int>(StopReason::kClosed));
  jobs_[job_id] = flag;
  return flag;
}

void ModelCore::UnregisterJob(uint32_t job_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  jobs_.erase(job_id);
}

bool ModelCore::StopJob(uint32_t job_id, StopReason reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = jobs_.find(job_id);
  if (found == jobs_.end()) return false;

  int expected = static_cast<int>(StopReason::kNone);
  found->second->compare_exchange_strong(expected, static_cast<int>(reason));
  pool_.WakeWaiters();
  vads_.WakeWaiters();
  return true;
}

whisper_state* ModelCore::AcquireState(const StopFlag& stop) {
  return pool_.Acquire([&stop] { return stop.load() != 0; });
}

void ModelCore::ReleaseState(whisper_state* state) { pool_.Release(state); }

whisper_vad_context* ModelCore::AcquireVad(const StopFlag& stop) {
  return vads_.Acquire([&stop] { return stop.load() != 0; });
}

void ModelCore::ReleaseVad(whisper_vad_context* vad) { vads_.Release(vad); }

void ModelCore::Close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    for (auto& [id, flag] : jobs_) {
      int expected = static_cast<int>(StopReason::kNone);
      flag->compare_exchange_strong(expected,
                                    static_cast<int>(StopReason::kClosed));
    }
  }
  pool_.WakeWaiters();
  vads_.WakeWaiters();
  FreeAll();
}

void ModelCore::FreeAll() {
  // Every leased state comes back once its (now stopped) decode returns.
  std::vector<whisper_state*> states = pool_.DrainAll();
  std::vector<whisper_vad_context*> vads = vads_.DrainAll();

  std::lock_guard<std::mutex> lock(mutex_);
  if (freed_) return;
  freed_ = true;
  for (whisper_state* state : states) whisper_free_state(state);
  for (whisper_vad_context* vad : vads) whisper_vad_free(vad);
  if (context_ != nullptr) whisper_free(context_);
  context_ = nullptr;
}

}  // namespace asr
