// Reads a model file front to back with every length checked against what
// is left, so a truncated or hostile file ends in MODEL_INVALID rather than
// in an allocation or a read past the end.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "errors.h"

namespace asr {

class FileReader {
 public:
  FileReader(const std::string& path, uint64_t size)
      : stream_(path, std::ios::binary), remaining_(size) {}

  bool is_open() const { return stream_.is_open(); }
  uint64_t remaining() const { return remaining_; }

  template <typename T>
  T Read(const char* what) {
    T value;
    Need(sizeof(T), what);
    stream_.read(reinterpret_cast<char*>(&value), sizeof(T));
    remaining_ -= sizeof(T);
    return value;
  }

  std::string ReadString(uint64_t length, const char* what) {
    Need(length, what);
    std::string text(length, '\0');
    stream_.read(text.data(), static_cast<std::streamsize>(length));
    remaining_ -= length;
    return text;
  }

  void Skip(uint64_t length, const char* what) {
    Need(length, what);
    stream_.seekg(static_cast<std::streamoff>(length), std::ios::cur);
    remaining_ -= length;
  }

 private:
  void Need(uint64_t length, const char* what) {
    if (length > remaining_ || !stream_) {
      throw EngineError(ErrorCode::kModelInvalid,
                        std::string("truncated while reading ") + what);
    }
  }

  std::ifstream stream_;
  uint64_t remaining_;
};

// Opens `path` for reading, or throws MODEL_NOT_FOUND naming `what` (the
// kind of model) when it is missing, not a regular file, or unreadable.
inline FileReader OpenModelFile(const std::string& path,
                                const std::string& what) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    throw EngineError(ErrorCode::kModelNotFound,
                      "no " + what + " file at '" + path + "'");
  }
  if (!S_ISREG(info.st_mode)) {
    throw EngineError(
        ErrorCode::kModelNotFound,
        "'" + path + "' is " +
            (S_ISDIR(info.st_mode) ? "a directory" : "not a file") +
            ", not a " + what + " file");
  }
  FileReader reader(path, static_cast<uint64_t>(info.st_size));
  if (!reader.is_open()) {
    throw EngineError(ErrorCode::kModelNotFound,
                      what + " file '" + path + "' cannot be opened");
  }
  return reader;
}

}  // namespace asr
