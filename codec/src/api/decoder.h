// What other entry points of the library (codec/src/cuda) need of a decoder handle.
#ifndef FTC_API_DECODER_H
#define FTC_API_DECODER_H

#include <cstdint>
#include <functional>

#include "common/status.h"
#include "container/container.h"
#include "ftc/ftc.h"
#include "quant/quantizer.h"

namespace ftc {

// Opens a .ftc file with the handle's limits and implementation: parses it and picks its decoder.
Status OpenFile(ftc_decoder* decoder, const uint8_t* data, size_t size, Parsed* parsed);

// Decodes the planes of an opened file, item by item in order, on the calling thread, and hands each to
// `take` with the ranges it was quantised with (the file's, or in a stream the ones in force at that frame).
// The plane is valid during the call only.
Status DecodePlanes(
    ftc_decoder* decoder, const Parsed& parsed,
    const std::function<Status(uint64_t item, const uint8_t* plane, const QuantParams& q)>& take);

}  // namespace ftc

#endif  // FTC_API_DECODER_H
