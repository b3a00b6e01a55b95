// Hands each job a resource of its own: a whisper decoding state, or a VAD
// context. Neither may be used by two threads at once; a job waits for a free
// one rather than failing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

namespace asr {

template <typename Resource>
class Pool {
 public:
  void Add(Resource* resource) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(resource);
    ++total_;
  }

  // Blocks until a resource is free or `give_up` returns true (checked each
  // time the pool changes and every 50 ms). Returns nullptr on giving up.
  Resource* Acquire(const std::function<bool()>& give_up) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (free_.empty()) {
      if (give_up()) return nullptr;
      changed_.wait_for(lock, std::chrono::milliseconds(50));
    }
    Resource* resource = free_.back();
    free_.pop_back();
    return resource;
  }

  void Release(Resource* resource) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      free_.push_back(resource);
    }
    changed_.notify_all();
  }

  // Waits until every resource is back, then hands them all over for freeing.
  std::vector<Resource*> DrainAll() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return free_.size() == total_; });
    total_ = 0;
    return std::move(free_);
  }

  void WakeWaiters() { changed_.notify_all(); }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Resource*> free_;
  size_t total_ = 0;
};

}  // namespace asr
