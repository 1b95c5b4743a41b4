// The pixel model of the `lossless` backend: a context-mixing coder for planes of quantisation levels,
// lossless or near-lossless with a guaranteed bound.
//
// The plane is a mosaic of tiles, one feature channel each; tiles are coded one after another and every
// prediction stays inside its tile, whose borders are discontinuities. Per pixel:
//  - prediction: five predictors (N, W, W+NE-N, W+N-NW, MED) blended with weights 1/(their recent error)^2,
//    in eighths of a level;
//  - the "zero" flag: is the level 0 (within max_error)? Post-ReLU features are mostly zeros;
//  - otherwise the residual from the prediction over the remaining levels, quantised to steps of
//    2*max_error + 1 (JPEG-LS's near-lossless rule, which bounds the error), binarised as is-zero, sign, an
//    Elias-gamma-like bucket and mantissa bits;
//  - each binary decision mixes two adaptive estimates (PAQ-style logistic mixing): one in the context of
//    the local prediction error, one in the context of the error seen at the same place in earlier tiles
//    (feature channels share the spatial layout of the input image).
// A 16-bit check of the decoded levels ends the stream. Encoder and decoder run the same code (templated on
// the range coder), in integer arithmetic only.
#ifndef FTC_BACKENDS_LOSSLESS_MODEL_H
#define FTC_BACKENDS_LOSSLESS_MODEL_H

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backends/backend.h"
#include "common/status.h"

namespace ftc::lossless {

// What the model needs besides the pixels. A tile size that does not divide the plane is read as one tile.
struct PlaneLayout {
  uint32_t tile_width = 0, tile_height = 0;  // 0: the whole plane is one tile
  int bits = 8;                              // levels are 0..2^bits-1
  int max_error = 0;                         // |decoded - original| <= max_error for every level
};

// Scratch memory and model state, reused from plane to plane by one thread.
class Workspace {
 public:
  Workspace();
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  struct State;
  State& state() { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

void EncodePlane(const PlaneView& plane, const PlaneLayout& layout, Workspace* work,
                 std::vector<uint8_t>* out);

// Fills `plane` from `payload`, or fails with Corrupt or Truncated; never reads or writes out of bounds.
Status DecodePlane(std::span<const uint8_t> payload, const PlaneLayout& layout, Workspace* work,
                   MutablePlane plane);

}  // namespace ftc::lossless

#endif  // FTC_BACKENDS_LOSSLESS_MODEL_H
