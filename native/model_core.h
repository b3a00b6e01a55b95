// One loaded whisper model: the context, loaded once, and a pool of decoding
// states that concurrent jobs share, with as many voice activity detectors
// when a VAD model was given. Jobs hold a shared_ptr, so the model's memory
// outlives a close() until the last job has let go of it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "options.h"
#include "pool.h"

struct whisper_context;
struct whisper_state;
struct whisper_vad_context;

namespace asr {

// Why a job was asked to stop; read by the abort callback on its thread.
enum class StopReason : int { kNone = 0, kAborted, kTimeout, kClosed };
using StopFlag = std::atomic<int>;

class ModelCore {
 public:
  // Worker thread. Throws EngineError (MODEL_NOT_FOUND, MODEL_INVALID), for
  // the whisper model and the VAD model alike.
  static std::shared_ptr<ModelCore> Load(const std::string& path,
                                         const LoadOptions& options);
  ~ModelCore();

  whisper_context* context() const { return context_; }
  int state_count() const { return state_count_; }
  const LoadOptions& options() const { return options_; }
  bool has_vad() const { return !options_.vad_model_path.empty(); }
  bool closed() const { return closed_.load(); }

  // A running job registers its stop flag so abort() and close() reach it.
  std::shared_ptr<StopFlag> RegisterJob(uint32_t job_id);
  void UnregisterJob(uint32_t job_id);
  bool StopJob(uint32_t job_id, StopReason reason);

  // Blocks until a state is free; nullptr when `stop` is raised meanwhile.
  whisper_state* AcquireState(const StopFlag& stop);
  void ReleaseState(whisper_state* state);

  // The same for a VAD context; only when has_vad().
  whisper_vad_context* AcquireVad(const StopFlag& stop);
  void ReleaseVad(whisper_vad_context* vad);

  // Stops every job, waits for their states to come back, frees everything.
  // Idempotent; safe from any thread.
  void Close();

 private:
  ModelCore() = default;
  void LoadStates();
  void LoadVads();
  void FreeAll();

  whisper_context* context_ = nullptr;
  LoadOptions options_;
  int state_count_ = 0;
  Pool<whisper_state> pool_;
  Pool<whisper_vad_context> vads_;
  std::atomic<bool> closed_{false};
  std::mutex mutex_;  // guards jobs_ and freeing
  std::map<uint32_t, std::shared_ptr<StopFlag>> jobs_;
  bool freed_ = false;
};

// Returns a state or VAD context to its pool however the job ends.
template <typename Resource, void (ModelCore::*Release)(Resource*)>
class Lease {
 public:
  Lease(ModelCore& core, Resource* resource)
      : core_(core), resource_(resource) {}
  ~Lease() { (core_.*Release)(resource_); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  Resource* get() const { return resource_; }

 private:
  ModelCore& core_;
  Resource* resource_;
};

using StateLease = Lease<whisper_state, &ModelCore::ReleaseState>;
using VadLease = Lease<whisper_vad_context, &ModelCore::ReleaseVad>;

}  // namespace asr
