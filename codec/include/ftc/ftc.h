/*
 * ftc — feature-tensor codec for collaborative (split edge/cloud) inference.
 *
 * The C API. Every other interface of the project (the header-only C++ layer in ftc.hpp, the CLI, the
 * Python and Java bindings) is built on these functions; there is one implementation.
 *
 * Conventions
 *  - Every fallible function returns an ftc_result; FTC_OK (0) means success. No function throws or aborts
 *    on bad input.
 *  - Handles are opaque. Each handle keeps the message of its last error, readable with
 *    ftc_encoder_last_error() / ftc_decoder_last_error() until the next call on that handle.
 *  - Functions that return memory (ftc_buffer, ftc_tensor, ftc_plane) hand over ownership: release it with the
 *    matching *_free function. Every *_free and *_destroy accepts NULL.
 *  - Settings structs only grow at their end; fill them with *_default_settings() before changing fields.
 *  - A handle may be used by one thread at a time; different handles are independent.
 */
#ifndef FTC_FTC_H
#define FTC_FTC_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#if defined(FTC_BUILDING_LIBRARY)
#define FTC_API __declspec(dllexport)
#else
#define FTC_API
#endif
#else
#define FTC_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Three separate versions: the library (semver), its ABI, and the container format it writes. */
#define FTC_VERSION_MAJOR 0
#define FTC_VERSION_MINOR 1
#define FTC_VERSION_PATCH 0
#define FTC_ABI_VERSION 1
/* The newest .ftc format version this library writes and reads; it also reads every older one. */
#define FTC_FORMAT_VERSION 1

FTC_API const char* ftc_version_string(void);   /* "0.1.0" */
FTC_API uint32_t ftc_version(void);              /* major << 16 | minor << 8 | patch */
FTC_API uint32_t ftc_abi_version(void);          /* FTC_ABI_VERSION of the library actually linked */
FTC_API uint32_t ftc_format_version(void);       /* FTC_FORMAT_VERSION of the library actually linked */

typedef enum ftc_result {
  FTC_OK = 0,
  FTC_ERROR_INVALID_ARGUMENT = 1, /* a setting or input the caller can fix (NaN in the tensor, bits = 9, ...) */
  FTC_ERROR_UNSUPPORTED = 2,      /* valid but not supported by this build (unknown version, backend not built) */
  FTC_ERROR_CORRUPT = 3,          /* malformed bitstream: bad magic, reserved bits set, inconsistent fields */
  FTC_ERROR_TRUNCATED = 4,        /* the bitstream ends early */
  FTC_ERROR_CHECKSUM = 5,         /* CRC-32C mismatch */
  FTC_ERROR_LIMIT = 6,            /* a size exceeds the library's limits (see FTC_MAX_*) */
  FTC_ERROR_OUT_OF_MEMORY = 7,
  FTC_ERROR_BACKEND = 8,          /* the codec library behind a backend reported an error */
  FTC_ERROR_INTERNAL = 9          /* a bug in ftc: please report it */
} ftc_result;

/* A static, human-readable name for a result ("ok", "corrupt bitstream", ...). Never NULL. */
FTC_API const char* ftc_result_to_string(ftc_result result);

/* Limits enforced by the encoder and, before any allocation, by the decoder. */
#define FTC_MAX_ELEMENTS (1ull << 28) /* elements in one tensor (N*C*H*W): 1 GiB of float32 */
#define FTC_MAX_DIM (1u << 24)        /* any one of N, C, H, W */
#define FTC_MAX_PLANE_SIDE 65500u     /* width or height of a mosaic plane */

typedef enum ftc_dtype {
  FTC_DTYPE_FLOAT32 = 0,
  FTC_DTYPE_FLOAT16 = 1, /* IEEE 754 binary16 */
  FTC_DTYPE_BFLOAT16 = 2 /* upper 16 bits of a float32 */
} ftc_dtype;

FTC_API size_t ftc_dtype_size(ftc_dtype dtype); /* 4, 2, 2; 0 for an unknown value */
FTC_API const char* ftc_dtype_name(ftc_dtype dtype); /* "float32", "float16", "bfloat16" */

/*
 * A dense tensor in C order. rank is 3 (C×H×W, read as N = 1) or 4 (N×C×H×W); shape[] holds rank entries.
 * As input the data is borrowed; as output (ftc_decode) it is owned and released with ftc_tensor_free.
 */
typedef struct ftc_tensor {
  ftc_dtype dtype;
  uint32_t rank;
  uint64_t shape[4];
  void* data;
} ftc_tensor;

FTC_API void ftc_tensor_free(ftc_tensor* tensor); /* frees data and zeroes the struct; accepts NULL */

/* A byte buffer owned by the caller after it is returned; release it with ftc_buffer_free. */
typedef struct ftc_buffer {
  uint8_t* data;
  size_t size;
} ftc_buffer;

FTC_API void ftc_buffer_free(ftc_buffer* buffer);

/* An 8-bit greyscale plane, rows of `width` bytes packed without stride. Owned; free with ftc_plane_free. */
typedef struct ftc_plane {
  uint8_t* data;
  uint32_t width;
  uint32_t height;
} ftc_plane;

FTC_API void ftc_plane_free(ftc_plane* plane);

typedef enum ftc_clip_mode {
  FTC_CLIP_SIGMA = 0,  /* [mean - K*sigma, mean + K*sigma], narrowed to [min, max] of the data */
  FTC_CLIP_MINMAX = 1, /* [min, max] of the data */
  FTC_CLIP_RANGE = 2   /* a fixed, calibrated [lo, hi] given in the settings */
} ftc_clip_mode;

/*
 * Parses a clip specification: "sigma:K" (0 < K <= 25.5, in steps of 0.1), "minmax", "range:LO,HI" (LO < HI,
 * finite). On success fills mode, *sigma_k, *lo, *hi (unused outputs are left alone).
 */
FTC_API ftc_result ftc_parse_clip(const char* spec, ftc_clip_mode* mode, double* sigma_k, float* lo, float* hi);

/* ---------------------------------------------------------------------------------------------------------
 * Backends
 */
enum {
  FTC_CAP_ENCODE = 1u << 0,
  FTC_CAP_DECODE = 1u << 1,
  FTC_CAP_LOSSLESS = 1u << 2,      /* decoded levels equal the quantiser's exactly */
  FTC_CAP_NEAR_LOSSLESS = 1u << 3, /* honours max_error */
  FTC_CAP_QUALITY = 1u << 4,       /* honours quality */
  FTC_CAP_VIDEO = 1u << 5          /* codes a batch as frames of one stream */
};

typedef struct ftc_backend_info {
  const char* name;        /* "raw", "lossless", "jpeg", ... as used in settings and the CLI */
  uint32_t id;             /* the backend id stored in the container */
  uint32_t capabilities;   /* FTC_CAP_* */
  uint32_t block_align;    /* the mosaic plane's width and height are multiples of this */
  const char* library;     /* the library behind it and its version, "libjpeg-turbo 2.1.5" */
  const char* description; /* one line for --help */
} ftc_backend_info;

/* Number of backends built into this library, and the i-th of them in preference order. */
FTC_API size_t ftc_backend_count(void);
FTC_API const ftc_backend_info* ftc_backend_at(size_t index);      /* NULL when index is out of range */
FTC_API const ftc_backend_info* ftc_backend_find(const char* name); /* NULL when not built */

/* ---------------------------------------------------------------------------------------------------------
 * Encoder
 */
typedef struct ftc_encoder_settings {
  const char* codec;   /* backend name, or "auto" (the first built lossy backend, else lossless). Default "jpeg" */
  int quality;         /* 1..100, higher is better; ignored by backends without FTC_CAP_QUALITY. Default 90 */
  int bits;            /* quantiser bits, 1..8. Default 8 */
  ftc_clip_mode clip;  /* Default FTC_CLIP_SIGMA */
  double sigma_k;      /* K of FTC_CLIP_SIGMA. Default 3.0 */
  float range_lo;      /* bounds of FTC_CLIP_RANGE; ignored otherwise. Default 0, 0 (invalid: must be set) */
  float range_hi;
  int per_channel;     /* non-zero: one clip range per channel. Default 0 (one per tensor) */
  int max_error;       /* near-lossless bound in quantisation levels, >= 0; needs FTC_CAP_NEAR_LOSSLESS
                          unless 0. Default 0 (exact for lossless backends) */
  const char* options; /* backend-specific "key=value,key=value"; an unknown key is an error. Default NULL */
  int threads;         /* worker threads for batches; 0 = one per core. Default 0 */
} ftc_encoder_settings;

FTC_API void ftc_encoder_default_settings(ftc_encoder_settings* settings);

typedef struct ftc_encoder ftc_encoder;

/* Validates the settings and creates an encoder. On failure *encoder is NULL; when `message` is not NULL it
 * receives a static or thread-local description of the problem. */
FTC_API ftc_result ftc_encoder_create(const ftc_encoder_settings* settings, ftc_encoder** encoder,
                                      const char** message);
FTC_API void ftc_encoder_destroy(ftc_encoder* encoder);
FTC_API const char* ftc_encoder_last_error(const ftc_encoder* encoder); /* "" after success */

/* Encodes one tensor into a complete .ftc file. On error *out is left empty. */
FTC_API ftc_result ftc_encode(ftc_encoder* encoder, const ftc_tensor* tensor, ftc_buffer* out);

/* The 8-bit plane the backend would code for batch item `index` of `tensor` (quantised and tiled). */
FTC_API ftc_result ftc_encoder_mosaic(ftc_encoder* encoder, const ftc_tensor* tensor, uint64_t index,
                                      ftc_plane* out);

/* ---------------------------------------------------------------------------------------------------------
 * Decoder and inspection
 */
typedef struct ftc_decoder_settings {
  int threads;         /* worker threads for batches; 0 = one per core. Default 0 */
  uint64_t max_elements; /* refuse larger tensors (FTC_ERROR_LIMIT); 0 = FTC_MAX_ELEMENTS. Default 0 */
} ftc_decoder_settings;

FTC_API void ftc_decoder_default_settings(ftc_decoder_settings* settings);

typedef struct ftc_decoder ftc_decoder;

FTC_API ftc_result ftc_decoder_create(const ftc_decoder_settings* settings, ftc_decoder** decoder,
                                      const char** message);
FTC_API void ftc_decoder_destroy(ftc_decoder* decoder);
FTC_API const char* ftc_decoder_last_error(const ftc_decoder* decoder);

/* Decodes a complete .ftc file. The tensor has the encoder's rank, shape and dtype. */
FTC_API ftc_result ftc_decode(ftc_decoder* decoder, const uint8_t* data, size_t size, ftc_tensor* out);

/* Decodes the 8-bit plane of batch item `index` exactly as the backend coded it. */
FTC_API ftc_result ftc_decode_mosaic(ftc_decoder* decoder, const uint8_t* data, size_t size, uint64_t index,
                                     ftc_plane* out);

/* What a .ftc file holds. Array members point into the decoder and stay valid until its next call. */
typedef struct ftc_info {
  uint32_t format_version;
  ftc_dtype dtype;
  uint32_t rank;
  uint64_t shape[4];
  const char* codec;       /* backend name; "unknown" when this build lacks it */
  uint32_t codec_id;
  int quality;             /* 0 when the backend has no quality */
  int bits;
  ftc_clip_mode clip;
  double sigma_k;          /* for FTC_CLIP_SIGMA */
  int per_channel;
  uint32_t clip_count;     /* 1, or C when per_channel */
  const float* clip_lo;    /* clip_count entries */
  const float* clip_hi;
  int max_error;
  uint32_t tile_rows;      /* mosaic grid */
  uint32_t tile_cols;
  uint32_t plane_width;
  uint32_t plane_height;
  uint64_t header_bytes;   /* everything but the payloads: header, length fields and checksum */
  uint64_t payload_bytes;
  uint64_t total_bytes;
  double bits_per_element; /* 8 * total_bytes / elements */
} ftc_info;

/* Parses and validates the header and checksum without decoding the payload. */
FTC_API ftc_result ftc_decoder_info(ftc_decoder* decoder, const uint8_t* data, size_t size, ftc_info* info);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FTC_FTC_H */
