// Error codes shared with TypeScript (src/engine/engine-error.ts). Native code
// throws EngineError with a code and a message; the boundary turns it into a
// JS Error carrying the same string code.
#pragma once

#include <napi.h>

#include <stdexcept>
#include <string>

namespace asr {

enum class ErrorCode {
  kModelNotFound,
  kModelInvalid,
  kAudioEmpty,
  kAudioInvalid,
  kAudioTooLong,
  kUnsupportedEncoding,
  kInvalidSamples,
  kInvalidArgument,
  kAborted,
  kTimeout,
  kClosed,
  kInternal,
};

const char* CodeName(ErrorCode code);

class EngineError : public std::runtime_error {
 public:
  EngineError(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}

  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// A JS Error with `code` set, for rejecting a promise or throwing.
Napi::Error MakeJsError(Napi::Env env, ErrorCode code,
                        const std::string& message);

}  // namespace asr
