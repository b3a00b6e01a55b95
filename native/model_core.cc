#include "model_core.h"

#include <vector>

#include "errors.h"
#include "model_file.h"
#include "whisper.h"

namespace asr {

std::shared_ptr<ModelCore> ModelCore::Load(const std::string& path,
                                           const LoadOptions& options) {
  CheckModelFile(path);

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

  for (int i = 0; i < options.states; ++i) {
    whisper_state* state = whisper_init_state(core->context_);
    if (state == nullptr) {
      throw EngineError(
          ErrorCode::kInternal,
          "could not allocate decoding state " + std::to_string(i + 1) +
              " of " + std::to_string(options.states) + " (out of memory?)");
    }
    core->pool_.Add(state);
    ++core->state_count_;
  }
  return core;
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
  return true;
}

whisper_state* ModelCore::AcquireState(const StopFlag& stop) {
  return pool_.Acquire([&stop] { return stop.load() != 0; });
}

void ModelCore::ReleaseState(whisper_state* state) { pool_.Release(state); }

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
  FreeAll();
}

void ModelCore::FreeAll() {
  // Every leased state comes back once its (now stopped) decode returns.
  std::vector<whisper_state*> states = pool_.DrainAll();

  std::lock_guard<std::mutex> lock(mutex_);
  if (freed_) return;
  freed_ = true;
  for (whisper_state* state : states) whisper_free_state(state);
  if (context_ != nullptr) whisper_free(context_);
  context_ = nullptr;
}

}  // namespace asr
