// The loudness of a chunk as one number: its RMS level in dBFS, where a
// full-scale square wave is 0 and a full-scale sine about -3.
#pragma once

#include <cmath>
#include <limits>
#include <vector>

namespace asr {

// -infinity for digital silence (every sample zero). Summed in double: a
// float sum over minutes of audio would lose the quiet samples.
inline double RmsLevelDbfs(const std::vector<float>& samples) {
  double sum = 0;
  for (float sample : samples) sum += double(sample) * sample;
  if (samples.empty() || sum == 0) {
    return -std::numeric_limits<double>::infinity();
  }
  return 10.0 * std::log10(sum / samples.size());
}

}  // namespace asr
