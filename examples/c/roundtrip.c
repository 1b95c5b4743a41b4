/*
 * Round-trips a feature tensor through ftc with the C API: encode, inspect, decode, compare.
 *
 *   cc roundtrip.c -o roundtrip $(pkg-config --cflags --libs ftc)
 *   ./roundtrip [CODEC [QUALITY]]        (default: jpeg 90)
 *
 * Exits 0 when the decoded tensor has the original shape and dtype and its RMS error is under 2% of the
 * value range, 1 otherwise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <ftc/ftc.h>

enum { C = 32, H = 14, W = 14, N = C * H * W };

/* A post-ReLU-like activation: smooth patterns per channel, a third of the values zero. */
static void make_features(float* x) {
  for (int c = 0; c < C; ++c)
    for (int y = 0; y < H; ++y)
      for (int i = 0; i < W; ++i) {
        const float v = sinf(0.4f * (float)y + 0.1f * (float)c) + cosf(0.3f * (float)i - 0.2f * (float)c);
        x[(c * H + y) * W + i] = v > -0.5f ? v + 0.5f : 0.0f;
      }
}

int main(int argc, char** argv) {
  static float input[N];
  make_features(input);

  ftc_encoder_settings settings;
  ftc_encoder_default_settings(&settings); /* jpeg, quality 90, 8 bits, sigma:3 */
  settings.codec = argc > 1 ? argv[1] : "jpeg";
  settings.quality = argc > 2 ? atoi(argv[2]) : 90;
  settings.clip = FTC_CLIP_MINMAX; /* keep the whole range */

  ftc_encoder* encoder = NULL;
  const char* message = NULL;
  ftc_result r = ftc_encoder_create(&settings, &encoder, &message);
  if (r != FTC_OK) {
    fprintf(stderr, "roundtrip: %s: %s\n", ftc_result_to_string(r), message);
    return 1;
  }
  const ftc_tensor tensor = {FTC_DTYPE_FLOAT32, 3, {C, H, W}, input};
  ftc_buffer encoded = {NULL, 0};
  r = ftc_encode(encoder, &tensor, &encoded);
  if (r != FTC_OK) fprintf(stderr, "roundtrip: encode: %s\n", ftc_encoder_last_error(encoder));
  ftc_encoder_destroy(encoder);
  if (r != FTC_OK) return 1;

  ftc_decoder* decoder = NULL;
  r = ftc_decoder_create(NULL, &decoder, &message); /* NULL: default settings */
  if (r != FTC_OK) {
    fprintf(stderr, "roundtrip: %s: %s\n", ftc_result_to_string(r), message);
    ftc_buffer_free(&encoded);
    return 1;
  }
  ftc_info info;
  ftc_tensor decoded = {0};
  r = ftc_decoder_info(decoder, encoded.data, encoded.size, &info);
  if (r == FTC_OK) {
    printf("ftc %s: %s, %zu bytes for %d float32 values (%.3f bits per element)\n", ftc_version_string(),
           info.codec, encoded.size, N, info.bits_per_element);
    r = ftc_decode(decoder, encoded.data, encoded.size, &decoded);
  }
  if (r != FTC_OK) fprintf(stderr, "roundtrip: decode: %s\n", ftc_decoder_last_error(decoder));
  ftc_decoder_destroy(decoder);
  ftc_buffer_free(&encoded);
  if (r != FTC_OK) return 1;

  int ok = decoded.dtype == FTC_DTYPE_FLOAT32 && decoded.rank == 3 && decoded.shape[0] == C &&
           decoded.shape[1] == H && decoded.shape[2] == W;
  float lo = input[0], hi = input[0];
  double squares = 0.0;
  for (int i = 0; i < N; ++i) {
    lo = fminf(lo, input[i]);
    hi = fmaxf(hi, input[i]);
    if (ok) squares += pow(((const float*)decoded.data)[i] - input[i], 2);
  }
  ftc_tensor_free(&decoded);
  const double rms_error = sqrt(squares / N), bound = 0.02 * (hi - lo);
  printf("RMS error %.5f (bound %.5f)\n", rms_error, bound);
  ok = ok && rms_error <= bound;
  puts(ok ? "round trip ok" : "round trip FAILED");
  return ok ? 0 : 1;
}
