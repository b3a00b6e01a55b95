#include "errors.h"

namespace asr {

const char* CodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kModelNotFound:
      return "MODEL_NOT_FOUND";
    case ErrorCode::kModelInvalid:
      return "MODEL_INVALID";
    case ErrorCode::kAudioEmpty:
      return "AUDIO_EMPTY";
    case ErrorCode::kAudioInvalid:
      return "AUDIO_INVALID";
    case ErrorCode::kAudioTooLong:
      return "AUDIO_TOO_LONG";
    case ErrorCode::kUnsupportedEncoding:
      return "UNSUPPORTED_ENCODING";
    case ErrorCode::kInvalidSamples:
      return "INVALID_SAMPLES";
    case ErrorCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case ErrorCode::kAborted:
      return "ABORTED";
    case ErrorCode::kTimeout:
      return "TIMEOUT";
    case ErrorCode::kClosed:
      return "CLOSED";
    case ErrorCode::kInternal:
      return "INTERNAL";
  }
  return "INTERNAL";
}

Napi::Error MakeJsError(Napi::Env env, ErrorCode code,
                        const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, CodeName(code)));
  return error;
}

}  // namespace asr
