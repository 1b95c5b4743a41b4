package org.ftc;

/** What a .ftc file holds, read from its header by {@link Ftc#info(byte[])} without decoding it. */
public final class Info {
  /** The container format version: 1 (single form) or 2 (stream form). */
  public final int formatVersion;
  /** C, H, W or N, C, H, W. */
  public final long[] shape;
  /** "float32", "float16" or "bfloat16": what was encoded ({@link Ftc#decode(byte[])} gives float32). */
  public final String dtype;
  /** The codec's name ("jpeg", ...; "unknown" when this build lacks it). */
  public final String codec;
  /** 0 for codecs without a quality. */
  public final int quality;
  public final int bits;
  /** "sigma:K", "minmax" or "range:LO,HI". */
  public final String clip;
  public final boolean perChannel;
  public final int maxError;
  public final long totalBytes;
  public final double bitsPerElement;
  /** The key-frame interval (1 for image codecs) and the number of frames decoding can start at. */
  public final int gop;
  public final long keyFrames;

  Info(int formatVersion, long[] shape, String dtype, String codec, int quality, int bits, String clip,
      boolean perChannel, int maxError, long totalBytes, double bitsPerElement, int gop, long keyFrames) {
    this.formatVersion = formatVersion;
    this.shape = shape;
    this.dtype = dtype;
    this.codec = codec;
    this.quality = quality;
    this.bits = bits;
    this.clip = clip;
    this.perChannel = perChannel;
    this.maxError = maxError;
    this.totalBytes = totalBytes;
    this.bitsPerElement = bitsPerElement;
    this.gop = gop;
    this.keyFrames = keyFrames;
  }

  /** The number of elements, the product of the shape. */
  public long elements() {
    long n = 1;
    for (long d : shape) n *= d;
    return n;
  }
}
