package org.ftc;

/**
 * An error from the ftc library: {@link #getMessage()} is the library's message, {@link #code()} the
 * {@code ftc_result} of ftc.h (1 invalid argument, 2 unsupported, 3 corrupt, 4 truncated, 5 checksum, 6 limit, 7
 * out of memory, 8 backend, 9 internal) and {@link #reason()} its name. Unchecked, like the exceptions of
 * Android's MediaCodec: bad settings and corrupt input are bugs or data errors the caller handles where it wants.
 */
public class FtcException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public static final int INVALID_ARGUMENT = 1;
  public static final int UNSUPPORTED = 2;
  public static final int CORRUPT = 3;
  public static final int TRUNCATED = 4;
  public static final int CHECKSUM = 5;
  public static final int LIMIT = 6;
  public static final int OUT_OF_MEMORY = 7;
  public static final int BACKEND = 8;
  public static final int INTERNAL = 9;

  private final int code;
  private final String reason;

  public FtcException(String message, int code, String reason) {
    super(message);
    this.code = code;
    this.reason = reason;
  }

  /** The ftc_result code (see the constants). */
  public int code() {
    return code;
  }

  /** The name of the code, as ftc_result_to_string gives it ("corrupt bitstream", ...). */
  public String reason() {
    return reason;
  }
}
