#include "transcribe_job.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "errors.h"
#include "level.h"
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

whisper_full_params FullParams(const TranscribeOptions& o,
                               whisper_context* context, size_t sample_count,
                               StopFlag* stop) {
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
          ? AutoAudioContext(sample_count, whisper_model_n_audio_ctx(context))
          : o.audio_ctx;
  params.abort_callback = StopRequested;
  params.abort_callback_user_data = stop;
  params.encoder_begin_callback = EncoderMayStart;
  params.encoder_begin_callback_user_data = stop;
  return params;
}

// A segment with its quality numbers. Token ids from end-of-text upwards are
// whisper's special and timestamp tokens, which say nothing about how sure
// the decoder was of the words, so the mean log probability leaves them out.
Segment ReadSegment(whisper_state* state, int index, whisper_token eot) {
  double logprob_sum = 0;
  int tokens = 0;
  const int count = whisper_full_n_tokens_from_state(state, index);
  for (int i = 0; i < count; ++i) {
    const whisper_token_data token =
        whisper_full_get_token_data_from_state(state, index, i);
    if (token.id >= eot) continue;
    logprob_sum += token.plog;
    ++tokens;
  }
  // whisper reports times in 10 ms units.
  return {whisper_full_get_segment_t0_from_state(state, index) * 10,
          whisper_full_get_segment_t1_from_state(state, index) * 10,
          whisper_full_get_segment_text_from_state(state, index),
          whisper_full_get_segment_no_speech_prob_from_state(state, index),
          tokens > 0 ? logprob_sum / tokens : 0.0,
          tokens};
}

const char* SkipName(Skip skip) {
  return skip == Skip::kSilence ? "silence" : "no_speech";
}

Napi::Object SegmentObject(Napi::Env env, const Segment& s) {
  Napi::Object segment = Napi::Object::New(env);
  segment.Set("startMs", static_cast<double>(s.start_ms));
  segment.Set("endMs", static_cast<double>(s.end_ms));
  segment.Set("text", s.text);
  segment.Set("noSpeechProb", s.no_speech_prob);
  segment.Set("avgLogprob", s.avg_logprob);
  segment.Set("tokens", s.tokens);
  return segment;
}

Napi::Array SpeechArray(Napi::Env env, const std::vector<SpeechSpan>& spans) {
  Napi::Array array = Napi::Array::New(env, spans.size());
  for (size_t i = 0; i < spans.size(); ++i) {
    Napi::Object span = Napi::Object::New(env);
    span.Set("startMs", spans[i].start_ms);
    span.Set("endMs", spans[i].end_ms);
    array.Set(i, span);
  }
  return array;
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

  // A skipped chunk still says which language it was taken to be in.
  language_ = options_.language == "auto" ? "" : options_.language;
  ThrowIfStopped();
  const std::vector<float> samples = Convert();

  level_dbfs_ = RmsLevelDbfs(samples);
  if (level_dbfs_ < options_.silence_floor_dbfs) {
    skip_ = Skip::kSilence;
    return;
  }
  if (core_->has_vad()) {
    FindSpeech(samples);
    if (speech_->empty()) {
      skip_ = Skip::kNoSpeech;
      return;
    }
  }
  DecodeOnFreeState(samples);
}

std::vector<float> TranscribeJob::Convert() {
  const Clock::time_point start = Clock::now();
  DecodedAudio audio = DecodeAudio(data_, size_, spec_);
  convert_ms_ = MillisecondsSince(start);
  audio_ms_ = audio.input_ms;
  return std::move(audio.samples);
}

void TranscribeJob::FindSpeech(const std::vector<float>& samples) {
  const Clock::time_point wait_start = Clock::now();
  whisper_vad_context* vad = core_->AcquireVad(*stop_);
  wait_ms_ += MillisecondsSince(wait_start);
  ThrowIfStopped();
  VadLease lease(*core_, vad);

  const Clock::time_point vad_start = Clock::now();
  speech_ = DetectSpeech(lease.get(), samples);
  vad_ms_ = MillisecondsSince(vad_start);
  ThrowIfStopped();
}

void TranscribeJob::DecodeOnFreeState(const std::vector<float>& samples) {
  const Clock::time_point wait_start = Clock::now();
  whisper_state* state = core_->AcquireState(*stop_);
  wait_ms_ += MillisecondsSince(wait_start);
  ThrowIfStopped();
  StateLease lease(*core_, state);

  const Clock::time_point decode_start = Clock::now();
  Decode(lease.get(), samples);
  decode_ms_ = MillisecondsSince(decode_start);
}

void TranscribeJob::Decode(whisper_state* state,
                           const std::vector<float>& samples) {
  const whisper_full_params params =
      FullParams(options_, core_->context(), samples.size(), stop_.get());
  const int status =
      whisper_full_with_state(core_->context(), state, params, samples.data(),
                              static_cast<int>(samples.size()));
  ThrowIfStopped();
  if (status != 0) {
    throw EngineError(ErrorCode::kInternal, "whisper_full failed with status " +
                                                std::to_string(status));
  }
  CollectSegments(state);

  const int language_id = whisper_full_lang_id_from_state(state);
  const char* language = language_id >= 0 ? whisper_lang_str(language_id) : "";
  language_ = language != nullptr ? language : "";
}

void TranscribeJob::CollectSegments(whisper_state* state) {
  const whisper_token eot = whisper_token_eot(core_->context());
  const int count = whisper_full_n_segments_from_state(state);
  segments_.reserve(count);
  for (int i = 0; i < count; ++i) {
    segments_.push_back(ReadSegment(state, i, eot));
  }
}

Napi::Value TranscribeJob::Result(Napi::Env env) {
  Napi::Array segments = Napi::Array::New(env, segments_.size());
  std::string text;
  for (size_t i = 0; i < segments_.size(); ++i) {
    segments.Set(i, SegmentObject(env, segments_[i]));
    text += segments_[i].text;
  }

  Napi::Object timings = Napi::Object::New(env);
  timings.Set("convertMs", convert_ms_);
  timings.Set("waitMs", wait_ms_);
  timings.Set("vadMs", vad_ms_);
  timings.Set("decodeMs", decode_ms_);

  Napi::Object result = Napi::Object::New(env);
  result.Set("text", text);
  result.Set("segments", segments);
  result.Set("language", language_);
  result.Set("audioMs", audio_ms_);
  // Digital silence has no finite level; JSON has no -Infinity.
  result.Set("levelDbfs", std::isfinite(level_dbfs_)
                              ? Napi::Value(Napi::Number::New(env, level_dbfs_))
                              : env.Null());
  if (skip_ != Skip::kNone) result.Set("skipped", SkipName(skip_));
  if (speech_) result.Set("speech", SpeechArray(env, *speech_));
  result.Set("timings", timings);
  return result;
}

}  // namespace asr
