// The clip setting as text ("sigma:3", "minmax", "range:-1,2.5"), the form the bindings take and give back.
#ifndef FTC_BINDINGS_CLIP_TEXT_H
#define FTC_BINDINGS_CLIP_TEXT_H

#include <cstdio>
#include <string>

#include "ftc/ftc.hpp"

namespace ftc_bindings {

inline std::string ClipText(ftc_clip_mode mode, double sigma_k, float lo, float hi) {
  char text[64] = "unknown";
  switch (mode) {
    case FTC_CLIP_SIGMA:
      std::snprintf(text, sizeof text, "sigma:%g", sigma_k);
      break;
    case FTC_CLIP_MINMAX:
      std::snprintf(text, sizeof text, "minmax");
      break;
    case FTC_CLIP_RANGE:
      std::snprintf(text, sizeof text, "range:%.9g,%.9g", lo, hi);
      break;
  }
  return text;
}

// Sets the clip fields of `settings` from `spec`; ftc::Error (FTC_ERROR_INVALID_ARGUMENT) when it is not one.
inline void SetClip(const std::string& spec, ftc_encoder_settings* settings) {
  if (ftc_parse_clip(spec.c_str(), &settings->clip, &settings->sigma_k, &settings->range_lo,
                     &settings->range_hi) != FTC_OK)
    throw ftc::Error(FTC_ERROR_INVALID_ARGUMENT,
                     "clip must be \"sigma:K\" (0 < K <= 25.5), \"minmax\" or "
                     "\"range:LO,HI\" (LO < HI), not \"" +
                         spec + "\"");
}

}  // namespace ftc_bindings

#endif  // FTC_BINDINGS_CLIP_TEXT_H
