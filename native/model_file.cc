#include "model_file.h"

#include <cstdint>
#include <set>

#include "errors.h"
#include "file_reader.h"
#include "ggml.h"

namespace asr {
namespace {

constexpr uint32_t kGgmlMagic = 0x67676d6c;  // "ggml", little-endian
constexpr int32_t kMelFftBins = 201;         // whisper: n_fft / 2 + 1
constexpr int32_t kMaxDimension = 1 << 20;   // far beyond any real shape
constexpr int32_t kMaxNameLength = 512;
constexpr int32_t kQuantVersionFactor = 1000;

[[noreturn]] void Invalid(const std::string& message) {
  throw EngineError(ErrorCode::kModelInvalid, message);
}

struct Shape {
  int32_t n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer;
  int32_t n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype;
};

// The type whisper.cpp gives its weight matrices, from the header's ftype, or
// GGML_TYPE_COUNT when there is none. ggml_ftype_to_ggml_type aborts the
// process on a value it does not map (4, the retired 5 and 6, anything out of
// range), so only the values it maps are passed on.
ggml_type WeightType(int32_t header_ftype) {
  if (header_ftype < 0) return GGML_TYPE_COUNT;
  const int32_t ftype = header_ftype % kQuantVersionFactor;
  const bool mapped =
      ftype == GGML_FTYPE_ALL_F32 || ftype == GGML_FTYPE_MOSTLY_F16 ||
      ftype == GGML_FTYPE_MOSTLY_Q4_0 || ftype == GGML_FTYPE_MOSTLY_Q4_1 ||
      (ftype >= GGML_FTYPE_MOSTLY_Q8_0 && ftype <= GGML_FTYPE_MOSTLY_Q1_0);
  if (!mapped) return GGML_TYPE_COUNT;
  return ggml_ftype_to_ggml_type(static_cast<ggml_ftype>(ftype));
}

Shape ReadShape(FileReader& reader) {
  Shape s;
  int32_t* fields[] = {&s.n_vocab,      &s.n_audio_ctx,   &s.n_audio_state,
                       &s.n_audio_head, &s.n_audio_layer, &s.n_text_ctx,
                       &s.n_text_state, &s.n_text_head,   &s.n_text_layer,
                       &s.n_mels,       &s.ftype};
  for (int32_t* field : fields)
    *field = reader.Read<int32_t>("hyperparameters");

  for (int32_t* field : fields) {
    if (field != &s.ftype && (*field <= 0 || *field > kMaxDimension)) {
      Invalid("a hyperparameter is out of range (" + std::to_string(*field) +
              ")");
    }
  }
  if (s.n_audio_state != s.n_text_state ||
      s.n_audio_state % s.n_audio_head != 0 ||
      s.n_text_state % s.n_text_head != 0) {
    Invalid(
        "inconsistent widths: audio state " + std::to_string(s.n_audio_state) +
        ", text state " + std::to_string(s.n_text_state) + ", heads " +
        std::to_string(s.n_audio_head) + "/" + std::to_string(s.n_text_head));
  }
  if (WeightType(s.ftype) == GGML_TYPE_COUNT) {
    Invalid("unknown weight type " + std::to_string(s.ftype));
  }
  return s;
}

void CheckMelFilters(FileReader& reader, const Shape& shape) {
  const int32_t n_mel = reader.Read<int32_t>("mel filters");
  const int32_t n_fft = reader.Read<int32_t>("mel filters");
  if (n_mel != shape.n_mels || n_fft != kMelFftBins) {
    Invalid("mel filter bank is " + std::to_string(n_mel) + "x" +
            std::to_string(n_fft) + ", expected " +
            std::to_string(shape.n_mels) + "x" + std::to_string(kMelFftBins));
  }
  reader.Skip(uint64_t(n_mel) * n_fft * sizeof(float), "mel filters");
}

void CheckVocabulary(FileReader& reader, const Shape& shape) {
  const int32_t count = reader.Read<int32_t>("vocabulary");
  if (count <= 0 || count > shape.n_vocab) {
    Invalid("vocabulary holds " + std::to_string(count) +
            " tokens, the model declares " + std::to_string(shape.n_vocab));
  }

  bool has_space = false;
  for (int32_t i = 0; i < count; ++i) {
    const uint32_t length = reader.Read<uint32_t>("vocabulary");
    if (length == 1) {
      has_space |= reader.ReadString(1, "vocabulary") == " ";
    } else {
      reader.Skip(length, "vocabulary");
    }
  }
  // whisper.cpp looks this token up unconditionally while sampling.
  if (!has_space) Invalid("the vocabulary has no \" \" token");
}

// whisper.cpp creates every 2-D ".weight" tensor with the header's weight
// type before reading the file; a row that type's blocks cannot tile aborts
// the process inside ggml.
void CheckWeightRows(const std::string& name, int32_t n_dims, int64_t row,
                     ggml_type weight_type) {
  const bool has_weight_type = n_dims == 2 && name.size() > 7 &&
                               name.compare(name.size() - 7, 7, ".weight") == 0;
  if (has_weight_type && row % ggml_blck_size(weight_type) != 0) {
    Invalid("the header gives the weights type " +
            std::string(ggml_type_name(weight_type)) + ", whose blocks of " +
            std::to_string(ggml_blck_size(weight_type)) +
            " cannot tile the rows of " + std::to_string(row) + " in tensor '" +
            name + "'");
  }
}

void CheckTensors(FileReader& reader, ggml_type weight_type) {
  int count = 0;
  std::set<std::string> names;

  while (reader.remaining() > 0) {
    const int32_t n_dims = reader.Read<int32_t>("a tensor header");
    const int32_t name_length = reader.Read<int32_t>("a tensor header");
    const int32_t type = reader.Read<int32_t>("a tensor header");
    if (n_dims < 1 || n_dims > 4) {
      Invalid("tensor " + std::to_string(count) + " has " +
              std::to_string(n_dims) + " dimensions (1 to 4 allowed)");
    }
    if (name_length < 1 || name_length > kMaxNameLength) {
      Invalid("tensor " + std::to_string(count) + " has a name length of " +
              std::to_string(name_length));
    }
    if (type < 0 || type >= GGML_TYPE_COUNT ||
        ggml_type_size(static_cast<ggml_type>(type)) == 0) {
      Invalid("tensor " + std::to_string(count) + " has unknown type " +
              std::to_string(type));
    }

    int64_t ne[4] = {1, 1, 1, 1};
    int64_t elements = 1;
    for (int i = 0; i < n_dims; ++i) {
      ne[i] = reader.Read<int32_t>("a tensor shape");
      if (ne[i] < 1 || ne[i] > kMaxDimension) {
        Invalid("tensor " + std::to_string(count) + " has dimension " +
                std::to_string(ne[i]));
      }
      elements *= ne[i];
    }
    // whisper.cpp counts elements in a 32-bit integer.
    if (elements > INT32_MAX) {
      Invalid("tensor " + std::to_string(count) + " is too large");
    }

    const std::string name = reader.ReadString(name_length, "a tensor name");
    if (!names.insert(name).second) Invalid("tensor '" + name + "' repeats");
    // whisper.cpp's convolution asserts (and aborts) on any other type.
    const bool is_conv_kernel =
        name == "encoder.conv1.weight" || name == "encoder.conv2.weight";
    if (is_conv_kernel && type != GGML_TYPE_F16) {
      Invalid("tensor '" + name + "' is type " + std::to_string(type) +
              "; whisper.cpp needs f16 convolution kernels");
    }

    CheckWeightRows(name, n_dims, ne[0], weight_type);
    const auto tensor_type = static_cast<ggml_type>(type);
    if (ne[0] % ggml_blck_size(tensor_type) != 0) {
      Invalid("tensor '" + name + "' does not fit its block size");
    }
    const uint64_t bytes =
        ggml_row_size(tensor_type, ne[0]) * uint64_t(ne[1] * ne[2] * ne[3]);
    reader.Skip(bytes, ("the data of tensor '" + name + "'").c_str());
    ++count;
  }
  if (count == 0) Invalid("the file holds no tensors");
}

}  // namespace

void CheckModelFile(const std::string& path) {
  FileReader reader = OpenModelFile(path, "model");
  try {
    if (reader.Read<uint32_t>("the magic number") != kGgmlMagic) {
      Invalid("not a whisper ggml model (wrong magic number)");
    }
    const Shape shape = ReadShape(reader);
    CheckMelFilters(reader, shape);
    CheckVocabulary(reader, shape);
    CheckTensors(reader, WeightType(shape.ftype));
  } catch (const EngineError& error) {
    // Whoever reads the error may have several models; name this one.
    throw EngineError(error.code(),
                      "model file '" + path + "': " + error.what());
  }
}

}  // namespace asr
