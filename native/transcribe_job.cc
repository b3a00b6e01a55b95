#include "transcribe_job.h"

#include <algorithm>
#include <chrono>

#include "errors.h"
#include "whisper.h"

namespace asr {
namespace {

using Clock = std::chrono::steady_clock;

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

// One encoder position covers 20 ms (two 10 ms mel frames). The margin keeps
// the last words clear of the window's edge.
constexpr int kSamplesPerPosition = kWhisperSampleRate / 50;
constexpr int kAutoContextMargin = 64;

int AutoAudioContext(size_t samples, int model_ctx) {
  const int needed = static_cast<int>((samples + kSamplesPerPosition - 1) /
                                      kSamplesPerPosition);
  return std::min(model_ctx, needed + kAutoContextMargin);
}

bool StopRequested(void* user_data) {
  return static_cast<StopFlag*>(user_data)->load() != 0;
}

bool EncoderMayStart(whisper_context*, whisper_state*, void* user_data) {
  return !StopRequested(user_data);
}

}  // namespace

TranscribeJob::TranscribeJob(Napi::Env env, std::shared_ptr<ModelCore> core,
                             uint32_t job_id, Napi::Buffer<uint8_t> audio,
                             AudioSpec spec, TranscribeOptions options)
    : NativeJob(env),
      core_(std::move(core)),
      job_id_(job_id),
      stop_(core_->RegisterJob(job_id)),
      audio_ref_(Napi::Persistent(audio)),
      data_(audio.Data()),
      size_(audio.Length()),
      spec_(spec),
      options_(std::move(options)) {}

void TranscribeJob::ThrowIfStopped() const {
  switch (static_cast<StopReason>(stop_->load())) {
    case StopReason::kNone:
      return;
    case StopReason::kAborted:
      throw EngineError(ErrorCode::kAborted, "the transcription was aborted");
    case StopReason::kTimeout:
      throw EngineError(ErrorCode::kTimeout,
                        "the transcription ran past its timeout");
    case StopReason::kClosed:
      throw EngineError(ErrorCode::kClosed, "the model was closed");
  }
}

void TranscribeJob::Execute() {
  // Release the model whatever happens, before the promise settles, so that
  // close() followed by awaiting every call really frees the memory.
  struct Done {
    TranscribeJob* job;
    ~Done() {
      job->core_->UnregisterJob(job->job_id_);
      job->core_.reset();
    }
  } done{this};

  ThrowIfStopped();
  const Clock::time_point convert_start = Clock::now();
  DecodedAudio audio = DecodeAudio(data_, size_, spec_);
  convert_ms_ = MillisecondsSince(convert_start);
  audio_ms_ = audio.input_ms;

  const Clock::time_point wait_start = Clock::now();
  whisper_state* state = core_->AcquireState(*stop_);
  wait_ms_ = MillisecondsSince(wait_start);
  ThrowIfStopped();
  StateLease lease(*core_, state);

  const Clock::time_point decode_start = Clock::now();
  Decode(lease.get(), audio.samples);
  decode_ms_ = MillisecondsSince(decode_start);
}

void TranscribeJob::Decode(whisper_state* state,
                           const std::vector<float>& samples) {
  const TranscribeOptions& o = options_;
  whisper_full_params params = whisper_full_default_params(
      o.beam_size > 1 ? WHISPER_SAMPLING_BEAM_SEARCH : WHISPER_SAMPLING_GREEDY);
  params.n_threads = o.threads;
  params.language = o.language.c_str();
  params.translate = o.translate;
  params.initial_prompt = o.prompt.empty() ? nullptr : o.prompt.c_str();
  params.no_timestamps = !o.timestamps;
  params.single_segment = o.single_segment;
  params.max_tokens = o.max_tokens;
  params.temperature = o.temperature;
  params.temperature_inc = o.temperature_increment;
  params.beam_search.beam_size = o.beam_size;
  params.greedy.best_of = o.best_of;
  params.print_progress = false;
  params.print_realtime = false;
  params.print_timestamps = false;
  params.print_special = false;
  params.no_context = true;  // every chunk stands alone
  params.audio_ctx =
      o.audio_ctx < 0
          ? AutoAudioContext(samples.size(),
                             whisper_model_n_audio_ctx(core_->context()))
          : o.audio_ctx;
  params.abort_callback = StopRequested;
  params.abort_callback_user_data = stop_.get();
  params.encoder_begin_callback = EncoderMayStart;
  params.encoder_begin_callback_user_data = stop_.get();

  const int status =
      whisper_full_with_state(core_->context(), state, params, samples.data(),
                              static_cast<int>(samples.size()));
  ThrowIfStopped();
  if (status != 0) {
    throw EngineError(ErrorCode::kInternal, "whisper_full failed with status " +
                                                std::to_string(status));
  }

  const int count = whisper_full_n_segments_from_state(state);
  segments_.reserve(count);
  for (int i = 0; i < count; ++i) {
    // whisper reports times in 10 ms units.
    segments_.push_back({whisper_full_get_segment_t0_from_state(state, i) * 10,
                         whisper_full_get_segment_t1_from_state(state, i) * 10,
                         whisper_full_get_segment_text_from_state(state, i)});
  }
  const int language_id = whisper_full_lang_id_from_state(state);
  const char* language = language_id >= 0 ? whisper_lang_str(language_id) : "";
  language_ = language != nullptr ? language : "";
}

Napi::Value TranscribeJob::Result(Napi::Env env) {
  Napi::Array segments = Napi::Array::New(env, segments_.size());
  std::string text;
  for (size_t i = 0; i < segments_.size(); ++i) {
    Napi::Object segment = Napi::Object::New(env);
    segment.Set("startMs", static_cast<double>(segments_[i].start_ms));
    segment.Set("endMs", static_cast<double>(segments_[i].end_ms));
    segment.Set("text", segments_[i].text);
    segments.Set(i, segment);
    text += segments_[i].text;
  }

  Napi::Object timings = Napi::Object::New(env);
  timings.Set("convertMs", convert_ms_);
  timings.Set("waitMs", wait_ms_);
  timings.Set("decodeMs", decode_ms_);

  Napi::Object result = Napi::Object::New(env);
  result.Set("text", text);
  result.Set("segments", segments);
  result.Set("language", language_);
  result.Set("audioMs", audio_ms_);
  result.Set("timings", timings);
  return result;
}

}  // namespace asr
