// Runs a block of a test on one Highway SIMD target: the dispatch then picks that target's
// kernels, so every target compiled in and supported here can be compared with the scalar
// reference (the other tests only see the best one). Restores the real target set however the
// test ends.
#pragma once

#include <hwy/targets.h>

#include <cstdint>

namespace etchsim::numerics {

struct TargetMock {
  explicit TargetMock(int64_t target) { hwy::SetSupportedTargetsForTest(target); }
  ~TargetMock() { hwy::SetSupportedTargetsForTest(0); }
  TargetMock(const TargetMock&) = delete;
  TargetMock& operator=(const TargetMock&) = delete;
};

}  // namespace etchsim::numerics
