#include "load_job.h"

#include "native_model.h"

namespace asr {

Napi::Value LoadJob::Result(Napi::Env env) {
  return NativeModel::Create(env, std::move(core_));
}

}  // namespace asr
