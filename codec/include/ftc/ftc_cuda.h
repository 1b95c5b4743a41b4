/*
 * ftc — CUDA entry points, in libraries built with FTC_WITH_CUDA=ON (ftc_cuda_available() says whether this
 * one was). The cloud side decodes straight into device memory; an edge device with a GPU quantises and tiles
 * a tensor that is already there. The backends still code the 8-bit planes on the host: only planes (one byte
 * per element) cross the bus, never float tensors.
 *
 * Device results are bit for bit the host's: ftc_cuda_decode writes what ftc_decode would, ftc_cuda_mosaic
 * what ftc_encoder_mosaic would.
 *
 * `stream` is a cudaStream_t (NULL: the default stream). Work is queued on it; the functions return once it
 * is queued, and the output is ready when the stream has reached that point. They do not keep any pointer.
 * Errors: as in ftc.h; a CUDA runtime error is FTC_ERROR_BACKEND. When `message` is not NULL it receives a
 * thread-local description of the last error ("" after success).
 */
#ifndef FTC_FTC_CUDA_H
#define FTC_FTC_CUDA_H

#include "ftc/ftc.h"

#ifdef __cplusplus
extern "C" {
#endif

struct CUstream_st; /* cudaStream_t is struct CUstream_st*: no CUDA header is needed to call these functions
                     */

/* 1 when this library was built with FTC_WITH_CUDA=ON and a CUDA device is present, else 0. */
FTC_API int ftc_cuda_available(void);

/* Decodes a .ftc file, in the single form or the stream form (video codecs), into `device_out`, device memory
 * of `capacity` bytes that must hold N·C·H·W elements of the file's dtype (ftc_decoder_info says which). The
 * decoder (its max_elements and implementation) decodes the planes on the host, on the calling thread;
 * untiling and dequantising run on the device, one kernel for each run of frames that share their ranges. */
FTC_API ftc_result ftc_cuda_decode(ftc_decoder* decoder, const uint8_t* data, size_t size, void* device_out,
                                   size_t capacity, struct CUstream_st* stream, const char** message);

/* The plane that ftc_encoder_mosaic would return for batch item `index` of `device_tensor` (whose data is in
 * device memory), written to `device_plane` (device memory of `capacity` bytes; the plane is *width × *height
 * bytes). Statistics, quantisation and tiling run on the device; the clip range is computed on the host from
 * per-plane statistics. Waits for `stream` once, to read the statistics. */
FTC_API ftc_result ftc_cuda_mosaic(ftc_encoder* encoder, const ftc_tensor* device_tensor, uint64_t index,
                                   uint8_t* device_plane, size_t capacity, uint32_t* width, uint32_t* height,
                                   struct CUstream_st* stream, const char** message);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FTC_FTC_CUDA_H */
