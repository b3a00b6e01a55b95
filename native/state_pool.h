// Hands each decoding job a whisper_state of its own. All states share the
// one loaded model; a job waits for a free state rather than failing.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

struct whisper_state;

namespace asr {

class StatePool {
 public:
  void Add(whisper_state* state) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(state);
    ++total_;
  }

  // Blocks until a state is free or `give_up` returns true (checked each
  // time the pool changes and every 50 ms). Returns nullptr on giving up.
  whisper_state* Acquire(const std::function<bool()>& give_up) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (free_.empty()) {
      if (give_up()) return nullptr;
      changed_.wait_for(lock, std::chrono::milliseconds(50));
    }
    whisper_state* state = free_.back();
    free_.pop_back();
    return state;
  }

  void Release(whisper_state* state) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      free_.push_back(state);
    }
    changed_.notify_all();
  }

  // Waits until every state is back, then hands them all over for freeing.
  std::vector<whisper_state*> DrainAll() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return free_.size() == total_; });
    total_ = 0;
    return std::move(free_);
  }

  void WakeWaiters() { changed_.notify_all(); }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<whisper_state*> free_;
  size_t total_ = 0;
};

}  // namespace asr
