// Per-environment data of the addon (one per Node.js environment or worker).
#pragma once

#include <napi.h>

namespace asr {

struct AddonData {
  Napi::FunctionReference model_class;
};

}  // namespace asr
