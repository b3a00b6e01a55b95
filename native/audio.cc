#include "audio.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "errors.h"
#include "miniaudio.h"

namespace asr {
namespace {

// Upper bound on channels and rates accepted for raw PCM: anything beyond is
// a mislabelled task, not audio.
constexpr uint32_t kMaxChannels = 32;
constexpr uint32_t kMinSampleRate = 1000;
constexpr uint32_t kMaxSampleRate = 384000;

[[noreturn]] void Fail(ErrorCode code, const std::string& message) {
  throw EngineError(code, message);
}

std::string SecondsText(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f s", seconds);
  return text;
}

void CheckLength(double seconds, const AudioSpec& spec) {
  if (spec.max_seconds > 0 && seconds > spec.max_seconds) {
    Fail(ErrorCode::kAudioTooLong, "audio is " + SecondsText(seconds) +
                                       " long, the limit is " +
                                       SecondsText(spec.max_seconds));
  }
}

// Float audio lives within about ±1. Far beyond it is integer data sent as
// float, which would decode to confident nonsense, slowly.
constexpr float kMaxSampleMagnitude = 64.0f;

void CheckSample(float value, size_t index) {
  if (!std::isfinite(value)) {
    Fail(ErrorCode::kInvalidSamples,
         "sample " + std::to_string(index) + " is NaN or infinite");
  }
  if (std::fabs(value) > kMaxSampleMagnitude) {
    Fail(ErrorCode::kInvalidSamples,
         "sample " + std::to_string(index) + " is " + std::to_string(value) +
             "; float audio lies within about ±1 (integer PCM sent as "
             "float?)");
  }
}

void CheckSamples(const std::vector<float>& samples) {
  for (size_t i = 0; i < samples.size(); ++i) CheckSample(samples[i], i);
}

// RAII owners for miniaudio objects.
struct Decoder {
  ma_decoder decoder;
  bool ready = false;
  ~Decoder() {
    if (ready) ma_decoder_uninit(&decoder);
  }
};

struct Converter {
  ma_data_converter converter;
  bool ready = false;
  ~Converter() {
    if (ready) ma_data_converter_uninit(&converter, nullptr);
  }
};

bool IsRawPcm(AudioEncoding encoding) {
  return encoding == AudioEncoding::kPcmS16le ||
         encoding == AudioEncoding::kPcmF32le;
}

ma_encoding_format ContainerFormat(AudioEncoding encoding) {
  switch (encoding) {
    case AudioEncoding::kWav:
      return ma_encoding_format_wav;
    case AudioEncoding::kMp3:
      return ma_encoding_format_mp3;
    case AudioEncoding::kFlac:
      return ma_encoding_format_flac;
    default:
      return ma_encoding_format_unknown;
  }
}

const char* ContainerName(AudioEncoding encoding) {
  switch (encoding) {
    case AudioEncoding::kWav:
      return "WAV";
    case AudioEncoding::kMp3:
      return "MP3";
    case AudioEncoding::kFlac:
      return "FLAC";
    default:
      return "WAV, MP3 or FLAC";
  }
}

ma_resampler_config ResamplerConfig() {
  // The resampler a ma_decoder sets up by default, so raw PCM and containers
  // are resampled the same way.
  return ma_resampler_config_init(ma_format_unknown, 0, 0, 0,
                                  ma_resample_algorithm_linear);
}

uint32_t ReadLe32(const uint8_t* bytes) {
  return uint32_t(bytes[0]) | uint32_t(bytes[1]) << 8 |
         uint32_t(bytes[2]) << 16 | uint32_t(bytes[3]) << 24;
}

// miniaudio reads a WAV whose data chunk claims more bytes than the buffer
// holds as if it were complete. A chunk cut short is a transfer gone wrong,
// so it is refused. The placeholder sizes that streaming writers put in a
// header they cannot go back to fix are left alone: 0xFFFFFFFF (ffmpeg to a
// pipe) and 0x7FFFF000 (espeak-ng --stdout), which miniaudio reads to the end
// of the buffer, and 0, which it reads as no frames (AUDIO_EMPTY follows).
// RF64 files keep their real sizes elsewhere and are not checked here.
void CheckWavDataChunk(const uint8_t* data, size_t size) {
  const bool is_riff_wave = size >= 12 && std::memcmp(data, "RIFF", 4) == 0 &&
                            std::memcmp(data + 8, "WAVE", 4) == 0;
  if (!is_riff_wave) return;

  size_t offset = 12;
  while (offset + 8 <= size) {
    const uint32_t chunk_size = ReadLe32(data + offset + 4);
    if (std::memcmp(data + offset, "data", 4) == 0) {
      const uint64_t available = size - (offset + 8);
      const bool streaming = chunk_size == 0 || chunk_size == 0xFFFFFFFFu ||
                             chunk_size == 0x7FFFF000u;
      if (!streaming && chunk_size > available) {
        Fail(ErrorCode::kAudioInvalid,
             "truncated WAV: its header declares " +
                 std::to_string(chunk_size) + " bytes of audio, only " +
                 std::to_string(available) + " are present");
      }
      return;
    }
    offset += 8 + uint64_t(chunk_size) + (chunk_size & 1);  // padded to even
  }
}

DecodedAudio DecodeContainer(const uint8_t* data, size_t size,
                             const AudioSpec& spec) {
  CheckWavDataChunk(data, size);

  ma_decoder_config config =
      ma_decoder_config_init(ma_format_f32, 1, kWhisperSampleRate);
  config.resampling = ResamplerConfig();
  config.encodingFormat = ContainerFormat(spec.encoding);

  Decoder owner;
  ma_result result =
      ma_decoder_init_memory(data, size, &config, &owner.decoder);
  if (result != MA_SUCCESS) {
    // miniaudio says "No backend" when no decoder recognises the bytes: not
    // a phrase that helps whoever sent them.
    const std::string why = result == MA_NO_BACKEND
                                ? "no decoder recognises its bytes"
                                : ma_result_description(result);
    Fail(ErrorCode::kAudioInvalid,
         std::string("not a readable ") + ContainerName(spec.encoding) +
             " stream (" + why +
             "); is the task's encoding right? Raw PCM needs pcm_s16le or "
             "pcm_f32le with sample_rate");
  }
  owner.ready = true;

  DecodedAudio audio;
  ma_format format;
  ma_data_source_get_data_format(owner.decoder.pBackend, &format,
                                 &audio.input_channels,
                                 &audio.input_sample_rate, nullptr, 0);
  if (audio.input_sample_rate == 0 || audio.input_channels == 0) {
    Fail(ErrorCode::kAudioInvalid, "the stream declares no sample rate");
  }

  ma_uint64 input_frames = 0;
  ma_uint64 output_frames = 0;
  if (ma_data_source_get_length_in_pcm_frames(owner.decoder.pBackend,
                                              &input_frames) != MA_SUCCESS ||
      ma_decoder_get_length_in_pcm_frames(&owner.decoder, &output_frames) !=
          MA_SUCCESS) {
    Fail(ErrorCode::kAudioInvalid, "the stream's length cannot be determined");
  }
  if (input_frames == 0 || output_frames == 0) {
    Fail(ErrorCode::kAudioEmpty, "the stream holds no audio frames");
  }

  // Checked before allocating, so a header that claims hours costs nothing.
  audio.input_ms = 1000.0 * input_frames / audio.input_sample_rate;
  CheckLength(audio.input_ms / 1000.0, spec);

  // The resampler's output count is an estimate that can be off by a frame,
  // so the buffer has a frame to spare and truncation is judged on input.
  audio.samples.resize(output_frames + 1);
  ma_uint64 frames_read = 0;
  result = ma_decoder_read_pcm_frames(&owner.decoder, audio.samples.data(),
                                      audio.samples.size(), &frames_read);
  if (frames_read == 0) {
    Fail(ErrorCode::kAudioInvalid, std::string("no audio could be decoded (") +
                                       ma_result_description(result) + ")");
  }
  audio.samples.resize(frames_read);

  // A header that promises more frames than the bytes hold: truncated.
  ma_uint64 input_cursor = 0;
  ma_data_source_get_cursor_in_pcm_frames(owner.decoder.pBackend,
                                          &input_cursor);
  // The resampler may hold back the last input frame or two (more when
  // downsampling from a high rate); truncation misses far more than that.
  const ma_uint64 held_back = audio.input_sample_rate / kWhisperSampleRate + 2;
  if (input_cursor + held_back < input_frames) {
    Fail(ErrorCode::kAudioInvalid,
         "truncated: the header declares " + std::to_string(input_frames) +
             " frames, only " + std::to_string(input_cursor) + " are present");
  }
  return audio;
}

DecodedAudio ConvertRawPcm(const uint8_t* data, size_t size,
                           const AudioSpec& spec) {
  const bool is_float = spec.encoding == AudioEncoding::kPcmF32le;
  const size_t bytes_per_sample = is_float ? 4 : 2;

  if (spec.channels == 0 || spec.channels > kMaxChannels) {
    Fail(ErrorCode::kAudioInvalid, "channels must be 1 to " +
                                       std::to_string(kMaxChannels) + ", got " +
                                       std::to_string(spec.channels));
  }
  if (spec.sample_rate < kMinSampleRate || spec.sample_rate > kMaxSampleRate) {
    Fail(ErrorCode::kAudioInvalid,
         "sample rate must be " + std::to_string(kMinSampleRate) + " to " +
             std::to_string(kMaxSampleRate) + " Hz, got " +
             std::to_string(spec.sample_rate));
  }

  const size_t frame_bytes = bytes_per_sample * spec.channels;
  if (size == 0) Fail(ErrorCode::kAudioEmpty, "the audio buffer is empty");
  if (size % frame_bytes != 0) {
    Fail(ErrorCode::kAudioInvalid,
         std::to_string(size) + " bytes is not a whole number of " +
             std::to_string(frame_bytes) + "-byte frames");
  }

  DecodedAudio audio;
  const ma_uint64 input_frames = size / frame_bytes;
  audio.input_sample_rate = spec.sample_rate;
  audio.input_channels = spec.channels;
  audio.input_ms = 1000.0 * input_frames / spec.sample_rate;
  CheckLength(audio.input_ms / 1000.0, spec);

  if (is_float) {
    // NaN would survive resampling and poison the mel spectrogram; find it at
    // the source, where the index means something to the caller.
    for (size_t i = 0; i < size / 4; ++i) {
      float value;
      std::memcpy(&value, data + i * 4, sizeof(value));
      CheckSample(value, i);
    }
  }

  ma_data_converter_config config = ma_data_converter_config_init(
      is_float ? ma_format_f32 : ma_format_s16, ma_format_f32, spec.channels, 1,
      spec.sample_rate, kWhisperSampleRate);
  config.resampling = ResamplerConfig();

  Converter owner;
  if (ma_data_converter_init(&config, nullptr, &owner.converter) !=
      MA_SUCCESS) {
    Fail(ErrorCode::kInternal, "the sample-rate converter could not start");
  }
  owner.ready = true;

  ma_uint64 expected = 0;
  ma_data_converter_get_expected_output_frame_count(&owner.converter,
                                                    input_frames, &expected);
  audio.samples.resize(expected + 1);

  ma_uint64 frames_in = input_frames;
  ma_uint64 frames_out = audio.samples.size();
  ma_data_converter_process_pcm_frames(&owner.converter, data, &frames_in,
                                       audio.samples.data(), &frames_out);
  audio.samples.resize(frames_out);
  if (audio.samples.empty()) {
    Fail(ErrorCode::kAudioEmpty, "the audio is shorter than one output sample");
  }
  return audio;
}

}  // namespace

DecodedAudio DecodeAudio(const uint8_t* data, size_t size,
                         const AudioSpec& spec) {
  if (size == 0) Fail(ErrorCode::kAudioEmpty, "the audio buffer is empty");

  DecodedAudio audio = IsRawPcm(spec.encoding)
                           ? ConvertRawPcm(data, size, spec)
                           : DecodeContainer(data, size, spec);
  CheckSamples(audio.samples);
  return audio;
}

}  // namespace asr
