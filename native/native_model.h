// The JS face of a loaded model: transcribe(), abort(), close(), info().
#pragma once

#include <napi.h>

#include <memory>

#include "model_core.h"

namespace asr {

class NativeModel : public Napi::ObjectWrap<NativeModel> {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  static Napi::Object Create(Napi::Env env, std::shared_ptr<ModelCore> core);

  explicit NativeModel(const Napi::CallbackInfo& info);
  ~NativeModel() override;

 private:
  Napi::Value Transcribe(const Napi::CallbackInfo& info);
  Napi::Value Abort(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);

  std::shared_ptr<ModelCore> core_;
};

// Closes every model still open in this process (environment cleanup).
void CloseAllModels();

}  // namespace asr
