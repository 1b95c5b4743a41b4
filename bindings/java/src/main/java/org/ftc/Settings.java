package org.ftc;

/**
 * Encoder settings, the fields of {@code ftc_encoder_settings} (ftc.h). A new object holds the library's
 * defaults (jpeg, quality 90, 8 bits, clip sigma:3); the setters return {@code this} so that calls chain:
 * {@code new Settings().codec("lossless").bits(6)}. Values are checked when encoding.
 */
public final class Settings {
  String codec;
  int quality;
  int bits;
  String clip;
  boolean perChannel;
  int maxError;
  String options;
  int threads;
  String implementation;
  boolean lossless;
  long targetBytes;

  public Settings() {
    Ftc.loadDefaults(this);
  }

  /** The codec: raw, lossless, jpeg, h264, hevc, or auto (see {@link Ftc#backends()}). */
  public Settings codec(String codec) {
    this.codec = codec;
    return this;
  }

  /** 1..100, higher is better, for codecs with a quality. */
  public Settings quality(int quality) {
    this.quality = quality;
    return this;
  }

  /** Quantiser bits, 1..8. */
  public Settings bits(int bits) {
    this.bits = bits;
    return this;
  }

  /** The clip range: "sigma:K", "minmax" or "range:LO,HI". */
  public Settings clip(String clip) {
    this.clip = clip;
    return this;
  }

  /** One clip range per channel instead of one per tensor. */
  public Settings perChannel(boolean perChannel) {
    this.perChannel = perChannel;
    return this;
  }

  /** Near-lossless bound in quantisation levels (the lossless codec). */
  public Settings maxError(int maxError) {
    this.maxError = maxError;
    return this;
  }

  /** Codec options, "key=value,key=value"; an unknown key is an error. */
  public Settings options(String options) {
    this.options = options;
    return this;
  }

  /** Worker threads for a batch; 0: one per core. */
  public Settings threads(int threads) {
    this.threads = threads;
    return this;
  }

  /** Which library encodes the codec ("x264" or "openh264" for h264); null: the first built. */
  public Settings implementation(String implementation) {
    this.implementation = implementation;
    return this;
  }

  /** Code the quantised levels exactly. */
  public Settings lossless(boolean lossless) {
    this.lossless = lossless;
    return this;
  }

  /** A size budget in bytes per batch item instead of a quality; 0: none. */
  public Settings targetBytes(long targetBytes) {
    this.targetBytes = targetBytes;
    return this;
  }
}
