// Turns the bytes of one audio chunk into what whisper wants: 16 kHz mono
// float samples. Containers (WAV, MP3, FLAC) go through miniaudio's decoder
// with the same settings whisper.cpp's own CLI uses; raw PCM goes through the
// same miniaudio converter, so both paths resample identically.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace asr {

// kAuto lets miniaudio recognise the container; the others insist on one.
enum class AudioEncoding { kAuto, kWav, kMp3, kFlac, kPcmS16le, kPcmF32le };

struct AudioSpec {
  AudioEncoding encoding = AudioEncoding::kAuto;
  uint32_t sample_rate = 0;  // raw PCM only
  uint32_t channels = 1;     // raw PCM only
  double max_seconds = 0;    // 0: no limit
};

struct DecodedAudio {
  std::vector<float> samples;  // 16 kHz mono
  double input_ms = 0;         // length of the audio as received
  uint32_t input_sample_rate = 0;
  uint32_t input_channels = 0;
};

constexpr uint32_t kWhisperSampleRate = 16000;

// Throws EngineError: AUDIO_EMPTY, AUDIO_INVALID, AUDIO_TOO_LONG,
// INVALID_SAMPLES. `data` is read in place and must stay valid and unchanged
// for the duration of the call.
DecodedAudio DecodeAudio(const uint8_t* data, size_t size,
                         const AudioSpec& spec);

}  // namespace asr
