#include "log_bridge.h"

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "whisper.h"

namespace asr {
namespace {

struct LogLine {
  ggml_log_level level;
  std::string text;
};

void Deliver(Napi::Env env, Napi::Function receiver, void*, void*);
using DeliveryTsfn = Napi::TypedThreadSafeFunction<void, void, Deliver>;

struct Bridge {
  std::mutex mutex;
  std::deque<LogLine> pending;
  std::string partial;  // ggml writes some lines in pieces
  ggml_log_level partial_level = GGML_LOG_LEVEL_INFO;
  std::unique_ptr<DeliveryTsfn> tsfn;
  bool wake_pending = false;
};

// Deliberately leaked: log hooks can fire from threads that outlive static
// destruction at process exit.
Bridge& TheBridge() {
  static Bridge* bridge = new Bridge();
  return *bridge;
}

const char* LevelName(ggml_log_level level) {
  switch (level) {
    case GGML_LOG_LEVEL_ERROR:
      return "error";
    case GGML_LOG_LEVEL_WARN:
      return "warn";
    case GGML_LOG_LEVEL_DEBUG:
      return "debug";
    default:
      return "info";
  }
}

void Deliver(Napi::Env env, Napi::Function receiver, void*, void*) {
  std::deque<LogLine> lines;
  {
    std::lock_guard<std::mutex> lock(TheBridge().mutex);
    lines.swap(TheBridge().pending);
    TheBridge().wake_pending = false;
  }
  if (env == nullptr || receiver.IsEmpty()) return;

  for (const LogLine& line : lines) {
    receiver.Call({Napi::String::New(env, LevelName(line.level)),
                   Napi::String::New(env, line.text)});
  }
}

// Called by whisper.cpp and ggml from any thread.
void OnNativeLog(ggml_log_level level, const char* text, void*) {
  Bridge& bridge = TheBridge();
  std::lock_guard<std::mutex> lock(bridge.mutex);

  // CONT continues the previous piece at its level.
  if (level != GGML_LOG_LEVEL_CONT) bridge.partial_level = level;
  bridge.partial += text;

  size_t newline;
  while ((newline = bridge.partial.find('\n')) != std::string::npos) {
    std::string line = bridge.partial.substr(0, newline);
    bridge.partial.erase(0, newline + 1);
    if (!line.empty() && bridge.tsfn) {
      bridge.pending.push_back({bridge.partial_level, std::move(line)});
    }
  }

  if (!bridge.pending.empty() && bridge.tsfn && !bridge.wake_pending) {
    bridge.wake_pending = true;
    bridge.tsfn->NonBlockingCall();
  }
}

void InstallHooksOnce() {
  static std::once_flag once;
  std::call_once(once, [] { whisper_log_set(OnNativeLog, nullptr); });
}

}  // namespace

void SetLogReceiver(const Napi::CallbackInfo& info) {
  InstallHooksOnce();
  DetachLogReceiver();
  if (info.Length() < 1 || !info[0].IsFunction()) return;

  auto tsfn = std::make_unique<DeliveryTsfn>(DeliveryTsfn::New(
      info.Env(), info[0].As<Napi::Function>(), "asr-native-log", 0, 1));
  // Logging must never keep the process alive on its own.
  tsfn->Unref(info.Env());

  std::lock_guard<std::mutex> lock(TheBridge().mutex);
  TheBridge().tsfn = std::move(tsfn);
}

void DetachLogReceiver() {
  std::unique_ptr<DeliveryTsfn> old;
  {
    std::lock_guard<std::mutex> lock(TheBridge().mutex);
    old = std::move(TheBridge().tsfn);
    TheBridge().pending.clear();
    TheBridge().wake_pending = false;
  }
  if (old) old->Release();
}

}  // namespace asr
