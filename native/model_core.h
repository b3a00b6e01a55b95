// One loaded whisper model: the context, loaded once, and a pool of decoding
// states that concurrent jobs share. Jobs hold a shared_ptr, so the model's
// memory outlives a close() until the last job has let go of it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "options.h"
#include "state_pool.h"

struct whisper_context;

namespace asr {

// Why a job was asked to stop; read by the abort callback on its thread.
enum class StopReason : int { kNone = 0, kAborted, kTimeout, kClosed };
using StopFlag = std::atomic<int>;

class ModelCore {
 public:
  // Worker thread. Throws EngineError (MODEL_NOT_FOUND, MODEL_INVALID).
  static std::shared_ptr<ModelCore> Load(const std::string& path,
                                         const LoadOptions& options);
  ~ModelCore();

  whisper_context* context() const { return context_; }
  int state_count() const { return state_count_; }
  const LoadOptions& options() const { return options_; }
  bool closed() const { return closed_.load(); }

  // A running job registers its stop flag so abort() and close() reach it.
  std::shared_ptr<StopFlag> RegisterJob(uint32_t job_id);
  void UnregisterJob(uint32_t job_id);
  bool StopJob(uint32_t job_id, StopReason reason);

  // Blocks until a state is free; nullptr when `stop` is raised meanwhile.
  whisper_state* AcquireState(const StopFlag& stop);
  void ReleaseState(whisper_state* state);

  // Stops every job, waits for their states to come back, frees everything.
  // Idempotent; safe from any thread.
  void Close();

 private:
  ModelCore() = default;
  void FreeAll();

  whisper_context* context_ = nullptr;
  LoadOptions options_;
  int state_count_ = 0;
  StatePool pool_;
  std::atomic<bool> closed_{false};
  std::mutex mutex_;  // guards jobs_ and freeing
  std::map<uint32_t, std::shared_ptr<StopFlag>> jobs_;
  bool freed_ = false;
};

// Returns the state to the pool however the decode ends.
class StateLease {
 public:
  StateLease(ModelCore& core, whisper_state* state)
      : core_(core), state_(state) {}
  ~StateLease() { core_.ReleaseState(state_); }
  StateLease(const StateLease&) = delete;
  StateLease& operator=(const StateLease&) = delete;

  whisper_state* get() const { return state_; }

 private:
  ModelCore& core_;
  whisper_state* state_;
};

}  // namespace asr
