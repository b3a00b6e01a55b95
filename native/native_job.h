// One unit of native work run on a thread of its own, settling a JS promise.
//
// libuv's shared pool (four threads by default) also serves file and DNS
// work; a decode that holds one of those threads for seconds would stall a
// Redis reconnect's DNS lookup. Each job therefore gets its own std::thread,
// and hands its outcome back through a thread-safe function.
#pragma once

#include <napi.h>

#include <memory>
#include <optional>

#include "errors.h"

namespace asr {

class NativeJob {
 public:
  explicit NativeJob(Napi::Env env);
  virtual ~NativeJob() = default;

  // Takes ownership of `job`, starts it, and returns its promise.
  static Napi::Promise Start(Napi::Env env, std::unique_ptr<NativeJob> job);

  // Blocks until no job is between starting and finishing Execute().
  // Environment cleanup calls it after asking every job to abort.
  static void WaitForRunningJobs();

 protected:
  // Worker thread: must not touch any Napi value. Throw EngineError to fail.
  virtual void Execute() = 0;

  // JS thread, after a successful Execute(): the promise's value.
  virtual Napi::Value Result(Napi::Env env) = 0;

 private:
  static void Complete(Napi::Env env, Napi::Function, void*, NativeJob* job);
  void RunOnWorkerThread();

  Napi::Promise::Deferred deferred_;
  std::optional<EngineError> error_;
};

}  // namespace asr
