#include "native_job.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <new>
#include <thread>

namespace asr {
namespace {

struct RunningJobs {
  std::mutex mutex;
  std::condition_variable idle;
  int count = 0;
};

RunningJobs& Running() {
  static RunningJobs* running = new RunningJobs();  // outlives exit-time dtors
  return *running;
}

}  // namespace

NativeJob::NativeJob(Napi::Env env)
    : deferred_(Napi::Promise::Deferred::New(env)) {}

void NativeJob::RunOnWorkerThread() {
  try {
    Execute();
  } catch (const EngineError& error) {
    error_ = error;
  } catch (const std::bad_alloc&) {
    error_ = EngineError(ErrorCode::kInternal, "out of memory");
  } catch (const std::exception& error) {
    error_ = EngineError(ErrorCode::kInternal, error.what());
  } catch (...) {
    error_ = EngineError(ErrorCode::kInternal, "unknown native exception");
  }
}

void NativeJob::Complete(Napi::Env env, Napi::Function, void*, NativeJob* job) {
  std::unique_ptr<NativeJob> owned(job);
  if (env == nullptr) return;  // the environment is shutting down

  Napi::HandleScope scope(env);
  if (owned->error_) {
    owned->deferred_.Reject(
        MakeJsError(env, owned->error_->code(), owned->error_->what()).Value());
    return;
  }
  try {
    owned->deferred_.Resolve(owned->Result(env));
  } catch (const Napi::Error& error) {
    owned->deferred_.Reject(error.Value());
  }
}

Napi::Promise NativeJob::Start(Napi::Env env, std::unique_ptr<NativeJob> job) {
  Napi::Promise promise = job->deferred_.Promise();
  using Tsfn = Napi::TypedThreadSafeFunction<void, NativeJob, Complete>;
  Tsfn tsfn = Tsfn::New(env, "asr-native-job", 0, 1);

  {
    std::lock_guard<std::mutex> lock(Running().mutex);
    ++Running().count;
  }

  NativeJob* raw = job.release();
  std::thread([raw, tsfn]() mutable {
    raw->RunOnWorkerThread();
    {
      std::lock_guard<std::mutex> lock(Running().mutex);
      --Running().count;
    }
    Running().idle.notify_all();

    // When the environment is already gone the job is deliberately leaked:
    // its promise and references belong to a dead environment and must not
    // be touched from this thread.
    tsfn.BlockingCall(raw);
    tsfn.Release();
  }).detach();

  return promise;
}

void NativeJob::WaitForRunningJobs() {
  std::unique_lock<std::mutex> lock(Running().mutex);
  Running().idle.wait(lock, [] { return Running().count == 0; });
}

}  // namespace asr
