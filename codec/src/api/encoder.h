// What other entry points of the library (codec/src/cuda) need of an encoder handle.
#ifndef FTC_API_ENCODER_H
#define FTC_API_ENCODER_H

#include "api/settings.h"

namespace ftc {

const EncoderConfig& ConfigOf(const ftc_encoder* encoder);

}  // namespace ftc

#endif  // FTC_API_ENCODER_H
