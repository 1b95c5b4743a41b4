// The native half of org.ftc.Ftc: JNI over the C++ layer of the public API (ftc/ftc.hpp), nothing else.
// Library errors (ftc::Error) become org.ftc.FtcException; no C++ exception crosses into the JVM.
#include <jni.h>

#include <new>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "clip_text.h"
#include "ftc/ftc.hpp"
#include "org_ftc_Ftc.h"

namespace {

void ThrowFtcException(JNIEnv* env, ftc_result code, const char* message) {
  jclass cls = env->FindClass("org/ftc/FtcException");
  if (cls == nullptr) return;  // NoClassDefFoundError is pending
  const jmethodID init = env->GetMethodID(cls, "<init>", "(Ljava/lang/String;ILjava/lang/String;)V");
  if (init == nullptr) return;
  const jstring text = env->NewStringUTF(message);
  const jstring reason = env->NewStringUTF(ftc_result_to_string(code));
  if (text == nullptr || reason == nullptr) return;
  const auto exception =
      static_cast<jthrowable>(env->NewObject(cls, init, text, static_cast<jint>(code), reason));
  if (exception != nullptr) env->Throw(exception);
}

// Thrown from inside a Guard body when a JNI call has left a Java exception pending: Guard then returns
// without touching the JVM again.
struct JavaExceptionPending {};

template <typename T>
T Checked(JNIEnv* env, T value) {
  if (env->ExceptionCheck()) throw JavaExceptionPending{};
  return value;
}

// Runs `body`, turning ftc::Error into FtcException and std::bad_alloc into OutOfMemoryError; returns
// `failed` when it threw (a Java exception is then pending).
template <typename T, typename Body>
T Guard(JNIEnv* env, T failed, Body&& body) {
  try {
    return body();
  } catch (const ftc::Error& e) {
    ThrowFtcException(env, e.code(), e.what());
  } catch (const std::bad_alloc&) {
    jclass cls = env->FindClass("java/lang/OutOfMemoryError");
    if (cls != nullptr) env->ThrowNew(cls, "ftc: out of memory");
  } catch (const JavaExceptionPending&) {
  }
  return failed;
}

// A Java string field of `object` as a C++ string; nullopt when the field is null.
std::optional<std::string> StringField(JNIEnv* env, jobject object, jfieldID field) {
  const auto value = static_cast<jstring>(env->GetObjectField(object, field));
  if (value == nullptr) return std::nullopt;
  const char* chars = Checked(env, env->GetStringUTFChars(value, nullptr));
  std::string out(chars);
  env->ReleaseStringUTFChars(value, chars);
  return out;
}

// The fields of org.ftc.Settings.
struct SettingsFields {
  jfieldID codec, quality, bits, clip, per_channel, max_error, options, threads, implementation, lossless,
      target_bytes;

  explicit SettingsFields(JNIEnv* env) {
    jclass cls = Checked(env, env->FindClass("org/ftc/Settings"));
    const auto field = [&](const char* name, const char* signature) {
      return Checked(env, env->GetFieldID(cls, name, signature));
    };
    codec = field("codec", "Ljava/lang/String;");
    quality = field("quality", "I");
    bits = field("bits", "I");
    clip = field("clip", "Ljava/lang/String;");
    per_channel = field("perChannel", "Z");
    max_error = field("maxError", "I");
    options = field("options", "Ljava/lang/String;");
    threads = field("threads", "I");
    implementation = field("implementation", "Ljava/lang/String;");
    lossless = field("lossless", "Z");
    target_bytes = field("targetBytes", "J");
  }
};

// Encoder settings read from an org.ftc.Settings, with the strings they point to.
struct EncoderSettings {
  ftc_encoder_settings settings = ftc::DefaultEncoderSettings();
  std::optional<std::string> codec, options, implementation;

  EncoderSettings(JNIEnv* env, jobject object) {
    const SettingsFields f(env);
    codec = StringField(env, object, f.codec);
    options = StringField(env, object, f.options);
    implementation = StringField(env, object, f.implementation);
    const std::optional<std::string> clip = StringField(env, object, f.clip);
    if (codec) settings.codec = codec->c_str();
    if (options) settings.options = options->c_str();
    if (implementation) settings.implementation = implementation->c_str();
    settings.quality = env->GetIntField(object, f.quality);
    settings.bits = env->GetIntField(object, f.bits);
    settings.per_channel = env->GetBooleanField(object, f.per_channel);
    settings.max_error = env->GetIntField(object, f.max_error);
    settings.threads = env->GetIntField(object, f.threads);
    settings.lossless = env->GetBooleanField(object, f.lossless);
    const jlong target_bytes = env->GetLongField(object, f.target_bytes);
    if (target_bytes < 0) throw ftc::Error(FTC_ERROR_INVALID_ARGUMENT, "targetBytes must be >= 0");
    settings.target_bytes = static_cast<uint64_t>(target_bytes);
    if (clip) ftc_bindings::SetClip(*clip, &settings);
  }
};

// The elements of a Java array, pinned or copied by the JVM, released without copying back when this goes.
template <typename Array, typename Element, Element* (JNIEnv::*Get)(Array, jboolean*),
          void (JNIEnv::*Release)(Array, Element*, jint)>
class ArrayElements {
 public:
  ArrayElements(JNIEnv* env, Array array)
      : env_(env), array_(array), data_(Checked(env, (env->*Get)(array, nullptr))) {}
  ~ArrayElements() { (env_->*Release)(array_, data_, JNI_ABORT); }
  ArrayElements(const ArrayElements&) = delete;
  ArrayElements& operator=(const ArrayElements&) = delete;

  const Element* data() const { return data_; }
  size_t size() const { return static_cast<size_t>(env_->GetArrayLength(array_)); }

 private:
  JNIEnv* env_;
  Array array_;
  Element* data_;
};

using ByteElements =
    ArrayElements<jbyteArray, jbyte, &JNIEnv::GetByteArrayElements, &JNIEnv::ReleaseByteArrayElements>;
using FloatElements =
    ArrayElements<jfloatArray, jfloat, &JNIEnv::GetFloatArrayElements, &JNIEnv::ReleaseFloatArrayElements>;

std::span<const uint8_t> Span(const ByteElements& bytes) {
  return {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
}

jbyteArray ToJava(JNIEnv* env, const ftc::Bytes& bytes) {
  const jbyteArray out = Checked(env, env->NewByteArray(static_cast<jsize>(bytes.size())));
  env->SetByteArrayRegion(out, 0, static_cast<jsize>(bytes.size()),
                          reinterpret_cast<const jbyte*>(bytes.data()));
  return out;
}

}  // namespace

extern "C" {

JNIEXPORT jstring JNICALL Java_org_ftc_Ftc_version(JNIEnv* env, jclass) {
  return env->NewStringUTF(ftc_version_string());
}

JNIEXPORT jobjectArray JNICALL Java_org_ftc_Ftc_backends(JNIEnv* env, jclass) {
  return Guard<jobjectArray>(env, nullptr, [&] {
    const jclass string_class = Checked(env, env->FindClass("java/lang/String"));
    const auto count = static_cast<jsize>(ftc_backend_count());
    const jobjectArray out = Checked(env, env->NewObjectArray(count, string_class, nullptr));
    for (jsize i = 0; i < count; ++i) {
      const ftc_backend_info* b = ftc_backend_at(static_cast<size_t>(i));
      const std::string entry = std::string(b->name) + " " + b->implementation;
      env->SetObjectArrayElement(out, i, Checked(env, env->NewStringUTF(entry.c_str())));
    }
    return out;
  });
}

JNIEXPORT void JNICALL Java_org_ftc_Ftc_loadDefaults(JNIEnv* env, jclass, jobject object) {
  Guard<int>(env, 0, [&] {
    const SettingsFields f(env);
    const ftc_encoder_settings d = ftc::DefaultEncoderSettings();
    env->SetObjectField(object, f.codec, Checked(env, env->NewStringUTF(d.codec)));
    env->SetIntField(object, f.quality, d.quality);
    env->SetIntField(object, f.bits, d.bits);
    const std::string clip = ftc_bindings::ClipText(d.clip, d.sigma_k, d.range_lo, d.range_hi);
    env->SetObjectField(object, f.clip, Checked(env, env->NewStringUTF(clip.c_str())));
    env->SetBooleanField(object, f.per_channel, d.per_channel != 0);
    env->SetIntField(object, f.max_error, d.max_error);
    env->SetIntField(object, f.threads, d.threads);
    env->SetBooleanField(object, f.lossless, d.lossless != 0);
    env->SetLongField(object, f.target_bytes, static_cast<jlong>(d.target_bytes));
    return 0;
  });
}

JNIEXPORT jbyteArray JNICALL Java_org_ftc_Ftc_nativeEncode(JNIEnv* env, jclass, jfloatArray data,
                                                           jintArray shape, jobject settings_object) {
  return Guard<jbyteArray>(env, nullptr, [&] {
    const EncoderSettings settings(env, settings_object);
    const jsize rank = env->GetArrayLength(shape);
    if (rank != 3 && rank != 4)
      throw ftc::Error(FTC_ERROR_INVALID_ARGUMENT,
                       "shape must have 3 (C, H, W) or 4 (N, C, H, W) entries, not " + std::to_string(rank));
    jint dims[4];
    env->GetIntArrayRegion(shape, 0, rank, dims);
    std::vector<uint64_t> extents;
    uint64_t elements = 1;
    for (jsize i = 0; i < rank; ++i) {
      if (dims[i] <= 0) throw ftc::Error(FTC_ERROR_INVALID_ARGUMENT, "every entry of shape must be positive");
      extents.push_back(static_cast<uint64_t>(dims[i]));
      elements *= extents.back();
    }
    const jsize length = env->GetArrayLength(data);
    if (elements != static_cast<uint64_t>(length))
      throw ftc::Error(FTC_ERROR_INVALID_ARGUMENT,
                       "shape has " + std::to_string(elements) + " elements, data " + std::to_string(length));
    ftc::Encoder encoder(settings.settings);
    const FloatElements values(env, data);
    const ftc::Bytes out = encoder.Encode(ftc::View(values.data(), FTC_DTYPE_FLOAT32, extents));
    return ToJava(env, out);
  });
}

JNIEXPORT jfloatArray JNICALL Java_org_ftc_Ftc_nativeDecode(JNIEnv* env, jclass, jbyteArray data) {
  return Guard<jfloatArray>(env, nullptr, [&] {
    ftc::Tensor tensor;
    {
      const ByteElements bytes(env, data);
      ftc::Decoder decoder;
      tensor = decoder.Decode(Span(bytes));
    }
    const auto count = static_cast<jsize>(tensor.elements());  // FTC_MAX_ELEMENTS fits a Java array
    const jfloatArray out = Checked(env, env->NewFloatArray(count));
    // No JNI call (not even ExceptionCheck) may come between Get- and ReleasePrimitiveArrayCritical.
    void* values = env->GetPrimitiveArrayCritical(out, nullptr);
    if (values == nullptr) throw JavaExceptionPending{};
    ftc_convert(tensor.dtype(), tensor.data(), FTC_DTYPE_FLOAT32, values, tensor.elements());
    env->ReleasePrimitiveArrayCritical(out, values, 0);
    return out;
  });
}

JNIEXPORT jobject JNICALL Java_org_ftc_Ftc_nativeInfo(JNIEnv* env, jclass, jbyteArray data) {
  return Guard<jobject>(env, nullptr, [&] {
    const ByteElements bytes(env, data);
    ftc::Decoder decoder;
    const ftc_info info = decoder.Info(Span(bytes));
    const jclass cls = Checked(env, env->FindClass("org/ftc/Info"));
    const jmethodID init = Checked(
        env, env->GetMethodID(cls, "<init>",
                              "(I[JLjava/lang/String;Ljava/lang/String;IILjava/lang/String;ZIJDIJ)V"));
    const jlongArray shape = Checked(env, env->NewLongArray(static_cast<jsize>(info.rank)));
    jlong dims[4];
    for (uint32_t i = 0; i < info.rank; ++i) dims[i] = static_cast<jlong>(info.shape[i]);
    env->SetLongArrayRegion(shape, 0, static_cast<jsize>(info.rank), dims);
    const std::string clip =
        ftc_bindings::ClipText(info.clip, info.sigma_k, info.clip_lo[0], info.clip_hi[0]);
    return Checked(
        env, env->NewObject(cls, init, static_cast<jint>(info.format_version), shape,
                            Checked(env, env->NewStringUTF(ftc_dtype_name(info.dtype))),
                            Checked(env, env->NewStringUTF(info.codec)), static_cast<jint>(info.quality),
                            static_cast<jint>(info.bits), Checked(env, env->NewStringUTF(clip.c_str())),
                            static_cast<jboolean>(info.per_channel != 0), static_cast<jint>(info.max_error),
                            static_cast<jlong>(info.total_bytes), info.bits_per_element,
                            static_cast<jint>(info.gop), static_cast<jlong>(info.key_frames)));
  });
}

}  // extern "C"
