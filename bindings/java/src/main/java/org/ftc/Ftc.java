package org.ftc;

/**
 * The feature-tensor codec: encode a float tensor to the bytes of a .ftc file and back. Every method is static
 * and thread-safe (each call uses its own library handles). Errors throw {@link FtcException} with the library's
 * message. The native part is libftc_jni.so, which needs libftc.so beside it (an Android app ships both in its
 * jniLibs; a desktop JVM finds them with -Djava.library.path).
 */
public final class Ftc {
  static {
    System.loadLibrary("ftc_jni");
  }

  private Ftc() {}

  /** The library's version, "0.1.0". */
  public static native String version();

  /** The built codecs, one "name implementation" entry per implementation, in preference order. */
  public static native String[] backends();

  /**
   * Encodes a tensor of float32 values in C order (C×H×W or N×C×H×W, so shape has 3 or 4 entries whose product
   * is data.length) into a complete .ftc file.
   */
  public static byte[] encode(float[] data, int[] shape, Settings settings) {
    if (data == null || shape == null || settings == null) throw new NullPointerException();
    return nativeEncode(data, shape, settings);
  }

  /** Encodes with the default settings. */
  public static byte[] encode(float[] data, int[] shape) {
    return encode(data, shape, new Settings());
  }

  /**
   * Decodes a .ftc file into float32 values in C order; {@link #info(byte[])} gives the shape. float16 and
   * bfloat16 tensors are widened to float32 exactly.
   */
  public static float[] decode(byte[] data) {
    if (data == null) throw new NullPointerException();
    return nativeDecode(data);
  }

  /** What a .ftc file holds, from its header (the checksum is verified; the payload is not decoded). */
  public static Info info(byte[] data) {
    if (data == null) throw new NullPointerException();
    return nativeInfo(data);
  }

  static native void loadDefaults(Settings settings);

  private static native byte[] nativeEncode(float[] data, int[] shape, Settings settings);

  private static native float[] nativeDecode(byte[] data);

  private static native Info nativeInfo(byte[] data);
}
