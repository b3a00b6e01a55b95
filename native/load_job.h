// Loads a model off the event loop and resolves with a NativeModel object.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "model_core.h"
#include "native_job.h"

namespace asr {

class LoadJob : public NativeJob {
 public:
  LoadJob(Napi::Env env, std::string path, LoadOptions options)
      : NativeJob(env), path_(std::move(path)), options_(options) {}

 protected:
  void Execute() override { core_ = ModelCore::Load(path_, options_); }
  Napi::Value Result(Napi::Env env) override;

 private:
  std::string path_;
  LoadOptions options_;
  std::shared_ptr<ModelCore> core_;
};

}  // namespace asr
