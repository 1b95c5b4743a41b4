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
#define FTC_ABI_VERSION 3
/* The newest .ftc format version this library writes and reads; it also reads every older one. Image codecs
 * write version 1 (the single form), or 3 (the single form in bands) for planes of 2^19 pixels and more;
 * streams and video codecs write version 2 (the stream form). */
#define FTC_FORMAT_VERSION 3

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
  FTC_ERROR_INTERNAL = 9,         /* a bug in ftc: please report it */
  FTC_ERROR_NEED_KEY_FRAME = 10   /* a stream decoder skipped a packet: decoding (re)starts at a key frame */
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

/* Converts `count` elements from `src` (dtype `from`) into `dst` (dtype `to`), for callers whose language has no
 * 16-bit float (Java, NumPy's missing bfloat16): widening is exact, narrowing rounds to nearest even (NaN stays
 * NaN, values beyond the range become Inf). `src` and `dst` must not overlap unless they are equal and the two
 * dtypes have the same size. FTC_ERROR_INVALID_ARGUMENT for an unknown dtype, or NULL with count > 0. */
FTC_API ftc_result ftc_convert(ftc_dtype from, const void* src, ftc_dtype to, void* dst, uint64_t count);

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
  FTC_CAP_VIDEO = 1u << 5,         /* codes a batch as frames of one stream, with inter prediction */
  FTC_CAP_LOSSLESS_MODE = 1u << 6  /* lossy unless ftc_encoder_settings.lossless asks for exact levels */
};

/*
 * A backend is one implementation of one coding format, as libavif's codec table lists several AV1 libraries:
 * "h264" is encoded by x264 or OpenH264 and decoded by libavcodec or OpenH264. The container stores the format
 * (`id`); any implementation that decodes a format decodes what any other encoded.
 */
typedef struct ftc_backend_info {
  const char* name;        /* the format: "raw", "lossless", "jpeg", "h264", "hevc", as used in settings and the CLI */
  uint32_t id;             /* the format id stored in the container */
  uint32_t capabilities;   /* FTC_CAP_*: what this implementation does */
  uint32_t block_align;    /* the mosaic plane's width and height are multiples of this (the same for a format) */
  const char* library;     /* the library behind it and its version, "libjpeg-turbo 2.1.5" */
  const char* description; /* one line for --help */
  const char* implementation; /* "libjpeg-turbo", "x264", "avcodec", "openh264", "x265"; "ftc" for our own */
} ftc_backend_info;

/* Number of backends built into this library, and the i-th of them in preference order. */
FTC_API size_t ftc_backend_count(void);
FTC_API const ftc_backend_info* ftc_backend_at(size_t index);      /* NULL when index is out of range */
/* The first (preferred) implementation of the format `name`; NULL when none is built. */
FTC_API const ftc_backend_info* ftc_backend_find(const char* name);
/* The first implementation of the format `name` that is `implementation` (any, when NULL or "auto") and has
 * every capability in `capabilities` (FTC_CAP_*); NULL when none is built. A format is usable end to end when
 * one implementation has FTC_CAP_ENCODE and one (maybe another) FTC_CAP_DECODE. */
FTC_API const ftc_backend_info* ftc_backend_find_implementation(const char* name, const char* implementation,
                                                                uint32_t capabilities);

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
  int threads;         /* worker threads for batches of image codecs, and for the statistics and tiling of large
                          tensors; 0 = one per core. The output does not depend on it. Default 0 */
  /* Appended in ABI 2. */
  const char* implementation; /* which library encodes `codec` ("x264" or "openh264" for h264); NULL or "auto":
                                 the first built one, in preference order, that can do what the other settings
                                 ask (lossless, ...). Default NULL */
  int lossless;        /* non-zero: decoded levels equal the quantiser's exactly. Backends with FTC_CAP_LOSSLESS
                          always are; those with FTC_CAP_LOSSLESS_MODE switch to it (x264: QP 0, High 4:4:4
                          Predictive); any other backend is an error. Default 0 */
  uint64_t target_bytes; /* non-zero: a size budget in bytes per frame (per item of a batch), for backends with
                            FTC_CAP_QUALITY; `quality` is then ignored. ftc_encode searches the quality that
                            gives the largest file of at most target_bytes × N bytes, and fails with
                            FTC_ERROR_LIMIT when even quality 1 is larger. A stream encoder (video codecs only)
                            asks the codec's rate control for target_bytes per frame on average. Default 0 */
  const struct ftc_stream_settings* stream; /* how ftc_encode codes a batch with a video codec (key-frame
                            interval, clip range); NULL: the defaults of ftc_stream_default_settings() except
                            that the clip range is computed over the whole batch and fixed. Image codecs
                            ignore it. Default NULL */
} ftc_encoder_settings;

FTC_API void ftc_encoder_default_settings(ftc_encoder_settings* settings);

typedef struct ftc_encoder ftc_encoder;

/* Validates the settings and creates an encoder. On failure *encoder is NULL; when `message` is not NULL it
 * receives a static or thread-local description of the problem. */
FTC_API ftc_result ftc_encoder_create(const ftc_encoder_settings* settings, ftc_encoder** encoder,
                                      const char** message);
FTC_API void ftc_encoder_destroy(ftc_encoder* encoder);
FTC_API const char* ftc_encoder_last_error(const ftc_encoder* encoder); /* "" after success */

/* Encodes one tensor into a complete .ftc file: format version 1 for image codecs, each batch item coded on its
 * own; format version 2 for video codecs, the batch coded as the frames of one stream (as a stream encoder
 * would, see below). On error *out is left empty. */
FTC_API ftc_result ftc_encode(ftc_encoder* encoder, const ftc_tensor* tensor, ftc_buffer* out);

/* The 8-bit plane the backend would code for batch item `index` of `tensor` (quantised and tiled). */
FTC_API ftc_result ftc_encoder_mosaic(ftc_encoder* encoder, const ftc_tensor* tensor, uint64_t index,
                                      ftc_plane* out);

/* ---------------------------------------------------------------------------------------------------------
 * Decoder and inspection
 */
typedef struct ftc_decoder_settings {
  int threads;         /* worker threads for batches and for untiling large tensors; 0 = one per core. The
                          output does not depend on it. Default 0 */
  uint64_t max_elements; /* refuse larger tensors (FTC_ERROR_LIMIT); 0 = FTC_MAX_ELEMENTS. Default 0 */
  /* Appended in ABI 2. */
  const char* implementation; /* which library decodes ("avcodec" or "openh264" for h264); NULL or "auto": the
                                 first built one that decodes the file's format. A named implementation that
                                 does not decode the format is FTC_ERROR_UNSUPPORTED. Default NULL */
} ftc_decoder_settings;

FTC_API void ftc_decoder_default_settings(ftc_decoder_settings* settings);

typedef struct ftc_decoder ftc_decoder;

FTC_API ftc_result ftc_decoder_create(const ftc_decoder_settings* settings, ftc_decoder** decoder,
                                      const char** message);
FTC_API void ftc_decoder_destroy(ftc_decoder* decoder);
FTC_API const char* ftc_decoder_last_error(const ftc_decoder* decoder);

/* Decodes a complete .ftc file. The tensor has the encoder's rank, shape and dtype. A file in the stream form
 * (a stream header and N packets) decodes to N×C×H×W, or to C×H×W when its frames were C×H×W and N is 1; N·C·H·W
 * is checked against max_elements before anything is allocated. */
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
  /* Appended in ABI 2: the stream form (format version 2). In format 1 every item stands alone: gop 1,
     key_frames = N. */
  uint32_t gop;            /* the key-frame interval the encoder used */
  uint64_t key_frames;     /* frames at which decoding can start */
  int ranges_per_key_frame; /* 1: the clip ranges travel in key frames; clip_lo/clip_hi are the first one's */
  /* Appended in ABI 3. */
  uint32_t bands; /* horizontal bands of the plane, each coded on its own (format 1; 1 in format 2) */
} ftc_info;

/* Parses and validates the header and checksum without decoding the payload. */
FTC_API ftc_result ftc_decoder_info(ftc_decoder* decoder, const uint8_t* data, size_t size, ftc_info* info);

/* ---------------------------------------------------------------------------------------------------------
 * Streams: one tensor per frame, each coded into one packet as soon as it is pushed (no reordering delay).
 * Video codecs (h264, hevc) predict frames from earlier ones; image codecs make every frame a key frame. The
 * bytes are the stream form of docs/FORMAT.md (format version 2): a stream header, then one packet per frame,
 * each with its own length and checksum. The outputs of one stream encoder, concatenated, are a .ftc file.
 */
typedef enum ftc_stream_range {
  FTC_STREAM_RANGE_FIRST = 0,   /* the clip range(s) of the first frame hold for the whole stream */
  FTC_STREAM_RANGE_FIXED = 1,   /* fixed in advance: from `calibration`, or the encoder's clip range:LO,HI */
  FTC_STREAM_RANGE_KEYFRAME = 2 /* recomputed at every key frame and carried in its packet */
} ftc_stream_range;

typedef struct ftc_stream_settings {
  int gop;                       /* a key frame every `gop` frames, 1..65535 (1: every frame); every key frame
                                    is a point where decoding can start. Image codecs: always 1. Default 30 */
  ftc_stream_range range;        /* how the quantiser's clip range is chosen. Default FTC_STREAM_RANGE_FIRST */
  const ftc_tensor* calibration; /* FTC_STREAM_RANGE_FIXED: sample tensors (C×H×W or N×C×H×W with the frames'
                                    C, H and W) whose clip range(s), computed with the encoder's clip and
                                    per_channel settings, hold for the whole stream. Read during create only.
                                    NULL: the encoder's clip must be range:LO,HI. Ignored by other modes.
                                    Default NULL */
} ftc_stream_settings;

FTC_API void ftc_stream_default_settings(ftc_stream_settings* settings);

typedef struct ftc_stream_encoder ftc_stream_encoder;

/* Creates a stream encoder; `stream` NULL means the defaults. Messages as for ftc_encoder_create. */
FTC_API ftc_result ftc_stream_encoder_create(const ftc_encoder_settings* settings, const ftc_stream_settings* stream,
                                             ftc_stream_encoder** encoder, const char** message);
FTC_API void ftc_stream_encoder_destroy(ftc_stream_encoder* encoder);
FTC_API const char* ftc_stream_encoder_last_error(const ftc_stream_encoder* encoder); /* "" after success */

/* Codes one frame: a C×H×W or 1×C×H×W tensor with the rank, shape and dtype of the stream's first frame. The
 * first call returns the stream header followed by the frame's packet; every later call returns one packet.
 * A frame the stream cannot take (another shape or dtype, NaN or Inf) is an error that leaves the stream as
 * it was; after any other error every later call fails. On error *out is left empty. */
FTC_API ftc_result ftc_stream_encode(ftc_stream_encoder* encoder, const ftc_tensor* frame, ftc_buffer* out);

/* The stream header alone (the bytes the first ftc_stream_encode call began with), for transports that send
 * it separately, for instance to a decoder that joins later. FTC_ERROR_INVALID_ARGUMENT before the first
 * frame. */
FTC_API ftc_result ftc_stream_encoder_header(ftc_stream_encoder* encoder, ftc_buffer* out);

typedef struct ftc_stream_decoder ftc_stream_decoder;

/* Creates a stream decoder. settings->max_elements bounds one frame (C·H·W); threads is unused. */
FTC_API ftc_result ftc_stream_decoder_create(const ftc_decoder_settings* settings, ftc_stream_decoder** decoder,
                                             const char** message);
FTC_API void ftc_stream_decoder_destroy(ftc_stream_decoder* decoder);
FTC_API const char* ftc_stream_decoder_last_error(const ftc_stream_decoder* decoder);

/* Decodes what one ftc_stream_encode call produced: a stream header followed by one packet, or, once the
 * decoder has a header, one packet. A chunk may also be a stream header alone (FTC_OK, *out left empty). A
 * chunk that begins with a stream header (re)starts the stream: decoding begins at its next key frame.
 * Decoding starts at a key frame: after a header, and after any error, packets that are not key frames are
 * skipped with FTC_ERROR_NEED_KEY_FRAME until the next key frame, which decodes normally again. The frame
 * comes back with the rank, shape and dtype the encoder was given. On error *out is left empty. */
FTC_API ftc_result ftc_stream_decode(ftc_stream_decoder* decoder, const uint8_t* chunk, size_t size,
                                     ftc_tensor* out);

/* ---------------------------------------------------------------------------------------------------------
 * SIMD kernels. The statistics, quantise-and-tile and untile-and-dequantise kernels exist at several
 * instruction-set levels: "scalar" (the reference), "sse4", "avx2", "avx512" (x86-64) and "neon" (AArch64). The
 * library uses the best level the CPU has, or the level named by the environment variable FTC_CPU_LEVEL when it
 * is lower. Every level gives the same bits, so the level changes speed only.
 */
/* The level in use: "scalar", "sse4", "avx2", "avx512" or "neon". Never NULL. */
FTC_API const char* ftc_cpu_level(void);
/* Uses level `name` from now on, for every handle, lowered to the best level the CPU has when higher.
 * FTC_ERROR_INVALID_ARGUMENT for an unknown name, FTC_ERROR_UNSUPPORTED for another architecture's level
 * ("neon" on x86-64). Not to be called while another thread encodes or decodes. */
FTC_API ftc_result ftc_set_cpu_level(const char* name);

/* ---------------------------------------------------------------------------------------------------------
 * Timing: how much of an encoder's or decoder's work is the backend's own (the codec library behind it), as
 * `ftc bench` reports it. The counts add up over every ftc_encode or ftc_decode call since the handle was
 * created; take the difference around a call to time that call.
 */
typedef struct ftc_backend_stats {
  uint64_t calls;      /* backend calls: one per plane of an image codec; for a video codec one per frame and
                          one to start each stream (creating and opening the codec library's encoder) */
  uint64_t backend_ns; /* wall-clock nanoseconds inside those calls, summed over worker threads */
} ftc_backend_stats;

/* FTC_ERROR_INVALID_ARGUMENT when a pointer is NULL. */
FTC_API ftc_result ftc_encoder_stats(const ftc_encoder* encoder, ftc_backend_stats* stats);
FTC_API ftc_result ftc_decoder_stats(const ftc_decoder* decoder, ftc_backend_stats* stats);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FTC_FTC_H */
