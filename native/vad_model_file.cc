#include "vad_model_file.h"

#include <array>
#include <cstdint>
#include <map>

#include "errors.h"
#include "file_reader.h"
#include "ggml.h"

namespace asr {
namespace {

constexpr uint32_t kGgmlMagic = 0x67676d6c;  // "ggml", little-endian
constexpr int32_t kMaxTypeLength = 64;
constexpr int32_t kMaxNameLength = 128;
// whisper's vocabularies: 51864 (English-only) to 51866 (large-v3).
constexpr int32_t kWhisperVocabMin = 51864, kWhisperVocabMax = 51866;

using Dims = std::array<int32_t, 4>;

struct Expected {
  Dims ne;
  ggml_type type;
};

[[noreturn]] void Invalid(const std::string& message) {
  throw EngineError(ErrorCode::kModelInvalid, message);
}

// Silero VAD at 16 kHz (v5 and v6 share the layout), the only network
// whisper.cpp 1.9.1 can run.
constexpr int32_t kWindow = 512, kContext = 64, kLstm = 128;
constexpr std::array<int32_t, 4> kEncoderIn = {129, 128, 64, 64};
constexpr std::array<int32_t, 4> kEncoderOut = {128, 64, 64, 128};
constexpr int32_t kKernel = 3;

// Name, ggml shape (ne[0] innermost, padded with 1) and stored type of every
// tensor the loader allocates.
std::map<std::string, Expected> ExpectedTensors() {
  std::map<std::string, Expected> tensors = {
      {"_model.stft.forward_basis_buffer", {{256, 1, 258, 1}, GGML_TYPE_F16}},
      {"_model.decoder.rnn.weight_ih",
       {{kLstm, 4 * kLstm, 1, 1}, GGML_TYPE_F32}},
      {"_model.decoder.rnn.weight_hh",
       {{kLstm, 4 * kLstm, 1, 1}, GGML_TYPE_F32}},
      {"_model.decoder.rnn.bias_ih", {{4 * kLstm, 1, 1, 1}, GGML_TYPE_F32}},
      {"_model.decoder.rnn.bias_hh", {{4 * kLstm, 1, 1, 1}, GGML_TYPE_F32}},
      {"_model.decoder.decoder.2.weight", {{kLstm, 1, 1, 1}, GGML_TYPE_F16}},
      {"_model.decoder.decoder.2.bias", {{1, 1, 1, 1}, GGML_TYPE_F32}},
  };
  for (size_t i = 0; i < kEncoderIn.size(); ++i) {
    const std::string prefix =
        "_model.encoder." + std::to_string(i) + ".reparam_conv.";
    tensors[prefix + "weight"] = {{kKernel, kEncoderIn[i], kEncoderOut[i], 1},
                                  GGML_TYPE_F16};
    tensors[prefix + "bias"] = {{kEncoderOut[i], 1, 1, 1}, GGML_TYPE_F32};
  }
  return tensors;
}

void Expect(FileReader& reader, int32_t expected, const std::string& what) {
  const int32_t value = reader.Read<int32_t>("the VAD header");
  if (value != expected) {
    Invalid(what + " is " + std::to_string(value) + ", Silero VAD has " +
            std::to_string(expected));
  }
}

void CheckHeader(FileReader& reader) {
  if (reader.Read<uint32_t>("the magic number") != kGgmlMagic) {
    Invalid("not a ggml VAD model (wrong magic number)");
  }
  const int32_t type_length = reader.Read<int32_t>("the model type");
  if (type_length >= kWhisperVocabMin && type_length <= kWhisperVocabMax) {
    // A whisper model keeps its vocabulary size where a VAD model keeps the
    // length of its type name: the most likely mix-up of the two paths.
    Invalid("this is a whisper speech model (vocabulary of " +
            std::to_string(type_length) +
            " tokens), not a Silero VAD model: --vad-model wants a file "
            "such as ggml-silero-v5.1.2.bin");
  }
  if (type_length < 1 || type_length > kMaxTypeLength) {
    Invalid("the model type has a length of " + std::to_string(type_length));
  }
  reader.Skip(type_length, "the model type");
  reader.Skip(3 * sizeof(int32_t), "the model version");

  Expect(reader, kWindow, "the window");
  Expect(reader, kContext, "the context");
  Expect(reader, static_cast<int32_t>(kEncoderIn.size()), "the encoder depth");
  for (size_t i = 0; i < kEncoderIn.size(); ++i) {
    const std::string layer = "encoder layer " + std::to_string(i);
    Expect(reader, kEncoderIn[i], layer + " input width");
    Expect(reader, kEncoderOut[i], layer + " output width");
    Expect(reader, kKernel, layer + " kernel size");
  }
  Expect(reader, kLstm, "the LSTM input width");
  Expect(reader, kLstm, "the LSTM hidden width");
  Expect(reader, kLstm, "the final convolution's input width");
  Expect(reader, 1, "the final convolution's output width");
}

// Reads one tensor record, checks it against `expected` and skips its data.
void CheckTensor(FileReader& reader,
                 std::map<std::string, Expected>& expected) {
  const int32_t n_dims = reader.Read<int32_t>("a tensor header");
  const int32_t name_length = reader.Read<int32_t>("a tensor header");
  const int32_t type = reader.Read<int32_t>("a tensor header");
  if (n_dims < 1 || n_dims > 4 || name_length < 1 ||
      name_length > kMaxNameLength) {
    Invalid("a tensor header is malformed (" + std::to_string(n_dims) +
            " dimensions, name length " + std::to_string(name_length) + ")");
  }
  Dims ne = {1, 1, 1, 1};
  for (int i = 0; i < n_dims; ++i) ne[i] = reader.Read<int32_t>("a shape");
  const std::string name = reader.ReadString(name_length, "a tensor name");

  auto found = expected.find(name);
  if (found == expected.end()) {
    Invalid("unexpected or repeated tensor '" + name + "'");
  }
  if (found->second.ne != ne ||
      found->second.type != static_cast<ggml_type>(type)) {
    Invalid("tensor '" + name + "' does not have Silero's shape and type");
  }
  const auto tensor_type = static_cast<ggml_type>(type);
  const uint64_t bytes =
      ggml_row_size(tensor_type, ne[0]) * uint64_t(ne[1]) * ne[2] * ne[3];
  reader.Skip(bytes, ("the data of tensor '" + name + "'").c_str());
  expected.erase(found);
}

}  // namespace

void CheckVadModelFile(const std::string& path) {
  FileReader reader = OpenModelFile(path, "VAD model");
  try {
    CheckHeader(reader);
    std::map<std::string, Expected> missing = ExpectedTensors();
    while (reader.remaining() > 0) CheckTensor(reader, missing);
    if (!missing.empty()) {
      Invalid("tensor '" + missing.begin()->first + "' is missing (" +
              std::to_string(missing.size()) + " in all)");
    }
  } catch (const EngineError& error) {
    throw EngineError(error.code(),
                      "VAD model file '" + path + "': " + error.what());
  }
}

}  // namespace asr
