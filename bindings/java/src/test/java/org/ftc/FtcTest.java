package org.ftc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Tests of org.ftc.Ftc, run by ctest (java_binding): a plain program that exits 1 when a check fails, so that
 * it needs no test framework.
 */
public final class FtcTest {
  private static int failures = 0;

  private static void check(boolean ok, String what) {
    if (!ok) {
      failures++;
      System.out.println("FAILED: " + what);
    }
  }

  /** A post-ReLU-like tensor: smooth per-channel patterns, about a third of the values zero. */
  private static float[] features(int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = Math.max(0f, (float) (Math.sin(0.07 * i) + Math.cos(0.013 * i)) + 0.4f);
    return x;
  }

  private static float maxError(float[] a, float[] b) {
    float worst = 0;
    for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    return worst;
  }

  private static float range(float[] x) {
    float lo = x[0], hi = x[0];
    for (float v : x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return hi - lo;
  }

  private static List<String> codecs() {
    List<String> names = new ArrayList<>();
    for (String entry : Ftc.backends()) {
      String name = entry.split(" ")[0];
      if (!names.contains(name) && (name.equals("raw") || name.equals("lossless") || name.equals("jpeg"))) {
        names.add(name);
      }
    }
    return names;
  }

  private static void roundTrips() {
    int[] shape = {2, 8, 6, 10};
    float[] x = features(2 * 8 * 6 * 10);
    for (String codec : codecs()) {
      Settings s = new Settings().codec(codec).clip("minmax").quality(95);
      byte[] file = Ftc.encode(x, shape, s);
      float[] y = Ftc.decode(file);
      Info info = Ftc.info(file);
      check(y.length == x.length, codec + ": decoded length");
      check(Arrays.equals(info.shape, new long[] {2, 8, 6, 10}), codec + ": info shape");
      check(info.dtype.equals("float32") && info.codec.equals(codec), codec + ": info dtype and codec");
      check(info.totalBytes == file.length && info.clip.equals("minmax"), codec + ": info size and clip");
      // 8-bit levels: half a step exactly for raw and lossless, some steps for JPEG at quality 95.
      float step = range(x) / 255f;
      float bound = codec.equals("jpeg") ? 12 * step : 0.5001f * step;
      check(maxError(x, y) <= bound, codec + ": max error " + maxError(x, y) + " > " + bound);
    }
    check(codecs().contains("raw"), "raw is always built");
  }

  private static void defaults() {
    Settings s = new Settings();
    check(s.codec.equals("jpeg") && s.quality == 90 && s.bits == 8 && s.clip.equals("sigma:3"),
        "defaults come from the library: " + s.codec + " " + s.quality + " " + s.bits + " " + s.clip);
    check(Ftc.version().matches("\\d+\\.\\d+\\.\\d+"), "version " + Ftc.version());
  }

  private static FtcException thrown(Runnable r) {
    try {
      r.run();
    } catch (FtcException e) {
      return e;
    }
    return null;
  }

  private static void errors() {
    float[] x = features(4 * 4 * 4);
    int[] shape = {4, 4, 4};
    byte[] file = Ftc.encode(x, shape, new Settings().codec("raw"));

    byte[] corrupt = file.clone();
    corrupt[corrupt.length / 2] ^= 0x5a;
    FtcException e = thrown(() -> Ftc.decode(corrupt));
    check(e != null && e.code() == FtcException.CHECKSUM && e.getMessage().length() > 0,
        "a flipped byte is a checksum error with a message");

    byte[] truncated = Arrays.copyOf(file, file.length - 3);
    e = thrown(() -> Ftc.info(truncated));
    check(e != null && e.code() == FtcException.TRUNCATED, "a truncated file is a truncation error");

    e = thrown(() -> Ftc.decode(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
    check(e != null && (e.code() == FtcException.CORRUPT || e.code() == FtcException.TRUNCATED),
        "garbage is rejected");

    e = thrown(() -> Ftc.encode(x, shape, new Settings().bits(9)));
    check(e != null && e.code() == FtcException.INVALID_ARGUMENT && e.getMessage().contains("bits"),
        "bits 9 is an invalid argument that names the setting: " + (e == null ? "" : e.getMessage()));

    e = thrown(() -> Ftc.encode(x, shape, new Settings().clip("sigma")));
    check(e != null && e.code() == FtcException.INVALID_ARGUMENT, "a bad clip is an invalid argument");

    e = thrown(() -> Ftc.encode(x, new int[] {4, 4, 5}, new Settings()));
    check(e != null && e.getMessage().contains("elements"), "a shape that does not match data is rejected");

    e = thrown(() -> Ftc.encode(x, new int[] {64}, new Settings()));
    check(e != null && e.code() == FtcException.INVALID_ARGUMENT, "rank 1 is rejected");

    e = thrown(() -> Ftc.encode(x, shape, new Settings().codec("nope")));
    check(e != null && e.reason().length() > 0, "an unknown codec is rejected");
  }

  private static void threads() throws InterruptedException {
    final float[] x = features(3 * 16 * 16);
    final int[] shape = {3, 16, 16};
    final byte[] expected = Ftc.encode(x, shape, new Settings().codec("raw"));
    final boolean[] same = new boolean[4];
    Thread[] workers = new Thread[same.length];
    for (int t = 0; t < workers.length; t++) {
      final int index = t;
      workers[t] = new Thread(() -> {
        boolean ok = true;
        for (int i = 0; i < 20; i++) {
          byte[] file = Ftc.encode(x, shape, new Settings().codec("raw"));
          ok &= Arrays.equals(file, expected) && Ftc.decode(file).length == x.length;
        }
        same[index] = ok;
      });
      workers[t].start();
    }
    for (Thread w : workers) w.join();
    for (boolean ok : same) check(ok, "threads encoding at once give the same bytes");
  }

  public static void main(String[] args) throws InterruptedException {
    defaults();
    roundTrips();
    errors();
    threads();
    System.out.println(failures == 0 ? "java binding: all checks passed (codecs " + codecs() + ")"
                                     : failures + " check(s) failed");
    System.exit(failures == 0 ? 0 : 1);
  }
}
