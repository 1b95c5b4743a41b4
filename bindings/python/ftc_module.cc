// The Python module `ftc`: pybind11 over the C++ layer of the public API (ftc/ftc.hpp), nothing else.
//
// Arrays come in through the buffer protocol and are read in place (one copy only for a non-contiguous
// array); decoded tensors go out as NumPy arrays that own the library's buffer, so nothing is copied. The GIL
// is released while the library works. bindings/README.md documents the module.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstring>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "clip_text.h"
#include "ftc/ftc.hpp"

namespace py = pybind11;

namespace {

// ftc.Error and its subclass ftc.NeedKeyFrame, created once with the module and kept for its lifetime.
PyObject* g_error = nullptr;
PyObject* g_need_key_frame = nullptr;

// Raises ftc.Error (ftc.NeedKeyFrame for FTC_ERROR_NEED_KEY_FRAME) with the library's message and code.
void SetPythonError(const ftc::Error& e) {
  PyObject* type = e.code() == FTC_ERROR_NEED_KEY_FRAME ? g_need_key_frame : g_error;
  const py::object error = py::reinterpret_borrow<py::object>(type)(e.what());
  error.attr("code") = static_cast<int>(e.code());
  error.attr("reason") = ftc_result_to_string(e.code());
  PyErr_SetObject(type, error.ptr());
}

[[noreturn]] void Fail(ftc_result code, const std::string& message) {
  throw ftc::Error(code, message);
}

// --- settings from keyword arguments
// ------------------------------------------------------------------------

// Encoder settings with the strings and arrays they point to. Immovable: the settings point into it.
struct EncoderConfig {
  ftc_encoder_settings settings = ftc::DefaultEncoderSettings();
  ftc_stream_settings stream = ftc::DefaultStreamSettings();
  bool stream_set = false;  // gop, range or calibration given: ftc.encode passes `stream` to video codecs
  std::optional<ftc_dtype> declared;  // dtype="bfloat16": uint16 arrays hold bfloat16 bits
  std::string codec, options, implementation;
  py::object calibration_array;  // keeps the calibration tensor's memory alive
  ftc_tensor calibration{};

  EncoderConfig() = default;
  EncoderConfig(const EncoderConfig&) = delete;
  EncoderConfig& operator=(const EncoderConfig&) = delete;
};

std::string TypeName(py::handle value) {
  return py::str(py::type::handle_of(value).attr("__name__"));
}

template <typename Int = int>
Int IntArg(py::handle value, const char* key) {
  if (!py::isinstance<py::int_>(value) || py::isinstance<py::bool_>(value))
    throw py::type_error(std::string(key) + " must be an int, not " + TypeName(value));
  try {
    return value.cast<Int>();
  } catch (const py::cast_error&) {
    throw py::value_error(std::string(key) + " is out of range: " + std::string(py::str(value)));
  }
}

bool BoolArg(py::handle value, const char* key) {
  if (!py::isinstance<py::bool_>(value) && !py::isinstance<py::int_>(value))
    throw py::type_error(std::string(key) + " must be a bool, not " + TypeName(value));
  return py::bool_(py::reinterpret_borrow<py::object>(value));
}

std::string StrArg(py::handle value, const char* key) {
  if (!py::isinstance<py::str>(value))
    throw py::type_error(std::string(key) + " must be a str, not " + TypeName(value));
  return value.cast<std::string>();
}

// options: "key=value,key=value" or a dict {key: value}.
std::string OptionsArg(py::handle value) {
  if (!py::isinstance<py::dict>(value)) return StrArg(value, "options");
  std::string out;
  for (const auto& [key, v] : py::reinterpret_borrow<py::dict>(value)) {
    if (!out.empty()) out += ',';
    out += std::string(py::str(key));
    out += '=';
    out += std::string(py::str(v));
  }
  return out;
}

ftc_tensor TensorArg(py::handle value, std::optional<ftc_dtype> declared, py::object* keep);

ftc_stream_range RangeArg(py::handle value) {
  const std::string name = StrArg(value, "range");
  if (name == "first") return FTC_STREAM_RANGE_FIRST;
  if (name == "fixed") return FTC_STREAM_RANGE_FIXED;
  if (name == "keyframe") return FTC_STREAM_RANGE_KEYFRAME;
  Fail(FTC_ERROR_INVALID_ARGUMENT,
       "range must be \"first\", \"fixed\" or \"keyframe\", not \"" + name + "\"");
}

constexpr const char* kEncoderKeys =
    "codec, quality, bits, clip, per_channel, max_error, options, threads, implementation, lossless, "
    "target_bytes, gop, range, calibration, dtype";

void ParseEncoderKwargs(const py::kwargs& kwargs, EncoderConfig* config) {
  ftc_encoder_settings& s = config->settings;
  py::handle calibration;
  for (const auto& [k, value] : kwargs) {
    const std::string key = py::str(k);
    if (key == "codec") {
      config->codec = StrArg(value, "codec");
      s.codec = config->codec.c_str();
    } else if (key == "quality") {
      s.quality = IntArg(value, "quality");
    } else if (key == "bits") {
      s.bits = IntArg(value, "bits");
    } else if (key == "clip") {
      ftc_bindings::SetClip(StrArg(value, "clip"), &s);
    } else if (key == "per_channel") {
      s.per_channel = BoolArg(value, "per_channel");
    } else if (key == "max_error") {
      s.max_error = IntArg(value, "max_error");
    } else if (key == "options") {
      config->options = OptionsArg(value);
      s.options = config->options.c_str();
    } else if (key == "threads") {
      s.threads = IntArg(value, "threads");
    } else if (key == "implementation") {
      config->implementation = StrArg(value, "implementation");
      s.implementation = config->implementation.c_str();
    } else if (key == "lossless") {
      s.lossless = BoolArg(value, "lossless");
    } else if (key == "target_bytes") {
      s.target_bytes = IntArg<uint64_t>(value, "target_bytes");
    } else if (key == "gop") {
      config->stream.gop = IntArg(value, "gop");
      config->stream_set = true;
    } else if (key == "range") {
      config->stream.range = RangeArg(value);
      config->stream_set = true;
    } else if (key == "calibration") {
      calibration = value;
      config->stream_set = true;
    } else if (key == "dtype") {
      const std::string name = StrArg(value, "dtype");
      if (name != "bfloat16")
        throw py::value_error(
            "dtype can only be \"bfloat16\" (for uint16 arrays holding bfloat16 bits); "
            "float32 and float16 arrays need no dtype");
      config->declared = FTC_DTYPE_BFLOAT16;
    } else {
      throw py::type_error("unexpected keyword argument '" + key + "'; the settings are: " + kEncoderKeys);
    }
  }
  if (calibration && !calibration.is_none()) {
    config->calibration = TensorArg(calibration, config->declared, &config->calibration_array);
    config->stream.calibration = &config->calibration;
  }
}

// --- arrays in and out
// --------------------------------------------------------------------------------------

// An ftc_tensor view of `value` (any object with the buffer protocol), C-contiguous: a non-contiguous array
// is copied once. `keep` holds the memory the view points to.
ftc_tensor TensorArg(py::handle value, std::optional<ftc_dtype> declared, py::object* keep) {
  py::array array = py::array::ensure(value);
  if (!array) throw py::type_error("expected a NumPy array (or buffer), not " + TypeName(value));
  const py::dtype dt = array.dtype();
  const char kind = dt.kind();
  const bool native = dt.attr("byteorder").cast<std::string>() != ">";
  ftc_dtype dtype;
  if (kind == 'f' && dt.itemsize() == 4 && native && !declared) {
    dtype = FTC_DTYPE_FLOAT32;
  } else if (kind == 'f' && dt.itemsize() == 2 && native && !declared) {
    dtype = FTC_DTYPE_FLOAT16;
  } else if (kind == 'u' && dt.itemsize() == 2 && native && declared == FTC_DTYPE_BFLOAT16) {
    dtype = FTC_DTYPE_BFLOAT16;
  } else {
    const std::string got = py::str(static_cast<const py::handle&>(dt));
    Fail(FTC_ERROR_INVALID_ARGUMENT,
         declared ? "dtype=\"bfloat16\" takes a uint16 array of bfloat16 bits, not " + got
                  : "ftc takes float32 or float16 arrays (or uint16 with dtype=\"bfloat16\"), not " + got +
                        ": convert with array.astype(numpy.float32)");
  }
  const auto rank = static_cast<size_t>(array.ndim());
  if (rank != 3 && rank != 4)
    Fail(FTC_ERROR_INVALID_ARGUMENT, "ftc takes C×H×W or N×C×H×W arrays (rank 3 or 4), not shape " +
                                         std::string(py::str(array.attr("shape"))));
  if (!(array.flags() & py::array::c_style)) array = py::array::ensure(array, py::array::c_style);
  std::vector<uint64_t> shape(rank);
  for (size_t i = 0; i < rank; ++i) shape[i] = static_cast<uint64_t>(array.shape(i));
  const ftc_tensor view = ftc::View(array.data(), dtype, shape);
  *keep = std::move(array);
  return view;
}

// How a decoded bfloat16 tensor comes out: NumPy has no bfloat16.
enum class Bfloat16As { kFloat32, kUint16 };

Bfloat16As Bfloat16Arg(const std::string& name) {
  if (name == "float32") return Bfloat16As::kFloat32;
  if (name == "uint16") return Bfloat16As::kUint16;
  throw py::value_error("bfloat16 must be \"float32\" or \"uint16\", not \"" + name + "\"");
}

// A NumPy array that takes over the decoded tensor's memory (freed with the array). bfloat16 becomes float32
// (a widening copy, exact) unless the caller asked for the bits as uint16.
py::array ToArray(ftc::Tensor decoded, Bfloat16As bfloat16_as) {
  const std::vector<uint64_t> dims = decoded.shape();
  const std::vector<py::ssize_t> shape(dims.begin(), dims.end());
  if (decoded.dtype() == FTC_DTYPE_BFLOAT16 && bfloat16_as == Bfloat16As::kFloat32) {
    py::array_t<float> out(shape);
    ftc_convert(FTC_DTYPE_BFLOAT16, decoded.data(), FTC_DTYPE_FLOAT32, out.mutable_data(),
                decoded.elements());
    return out;
  }
  const py::dtype dtype = decoded.dtype() == FTC_DTYPE_FLOAT32   ? py::dtype("float32")
                          : decoded.dtype() == FTC_DTYPE_FLOAT16 ? py::dtype("float16")
                                                                 : py::dtype("uint16");
  auto owned = std::make_unique<ftc_tensor>(decoded.Release());
  void* data = owned->data;
  const py::capsule free_tensor(owned.get(), [](void* p) {
    auto* t = static_cast<ftc_tensor*>(p);
    ftc_tensor_free(t);
    delete t;
  });
  owned.release();
  return py::array(dtype, shape, data, free_tensor);
}

// A bytes-like object's memory, held (and the GIL needed) only while this lives.
class ByteView {
 public:
  explicit ByteView(py::handle object) {
    if (PyObject_GetBuffer(object.ptr(), &view_, PyBUF_SIMPLE) != 0) throw py::error_already_set();
  }
  ~ByteView() { PyBuffer_Release(&view_); }
  ByteView(const ByteView&) = delete;
  ByteView& operator=(const ByteView&) = delete;

  std::span<const uint8_t> span() const {
    return {static_cast<const uint8_t*>(view_.buf), static_cast<size_t>(view_.len)};
  }

 private:
  Py_buffer view_{};
};

py::bytes ToBytes(const ftc::Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

ftc_decoder_settings DecoderSettings(int threads, uint64_t max_elements, const std::string& implementation) {
  ftc_decoder_settings s;
  ftc_decoder_default_settings(&s);
  s.threads = threads;
  s.max_elements = max_elements;
  s.implementation = implementation.empty() ? nullptr : implementation.c_str();
  return s;
}

// --- module functions
// ---------------------------------------------------------------------------------------

py::bytes Encode(py::handle array, const py::kwargs& kwargs) {
  EncoderConfig config;
  ParseEncoderKwargs(kwargs, &config);
  if (config.stream_set) config.settings.stream = &config.stream;
  py::object keep;
  const ftc_tensor tensor = TensorArg(array, config.declared, &keep);
  ftc::Bytes out;
  {
    py::gil_scoped_release release;
    ftc::Encoder encoder(config.settings);
    out = encoder.Encode(tensor);
  }
  return ToBytes(out);
}

py::array Decode(py::handle data, int threads, uint64_t max_elements, const std::string& implementation,
                 const std::string& bfloat16) {
  const Bfloat16As bfloat16_as = Bfloat16Arg(bfloat16);
  const ftc_decoder_settings settings = DecoderSettings(threads, max_elements, implementation);
  const ByteView bytes(data);
  ftc::Tensor tensor;
  {
    py::gil_scoped_release release;
    ftc::Decoder decoder(&settings);
    tensor = decoder.Decode(bytes.span());
  }
  return ToArray(std::move(tensor), bfloat16_as);
}

// The keys of `ftc info --json` (README.md), with tuples for shapes and lists for per-channel ranges.
py::dict Info(py::handle data) {
  const ByteView bytes(data);
  ftc_info info;
  ftc::Decoder decoder;  // info's arrays point into it
  {
    py::gil_scoped_release release;
    info = decoder.Info(bytes.span());
  }
  py::tuple shape(info.rank);
  uint64_t elements = 1;
  for (uint32_t i = 0; i < info.rank; ++i) {
    shape[i] = info.shape[i];
    elements *= info.shape[i];
  }
  const auto bounds = [&](const float* values) -> py::object {
    if (!info.per_channel) return py::float_(values[0]);
    py::list list;
    for (uint32_t i = 0; i < info.clip_count; ++i) list.append(values[i]);
    return list;
  };
  py::dict d;
  d["format_version"] = info.format_version;
  d["shape"] = shape;
  d["dtype"] = ftc_dtype_name(info.dtype);
  d["codec"] = info.codec;
  d["codec_id"] = info.codec_id;
  d["quality"] = info.quality;
  d["bits"] = info.bits;
  d["clip"] = ftc_bindings::ClipText(info.clip, info.sigma_k, info.clip_lo[0], info.clip_hi[0]);
  d["per_channel"] = info.per_channel != 0;
  d["clip_lo"] = bounds(info.clip_lo);
  d["clip_hi"] = bounds(info.clip_hi);
  d["max_error"] = info.max_error;
  d["tile_grid"] = py::make_tuple(info.tile_rows, info.tile_cols);
  d["plane"] = py::make_tuple(info.plane_width, info.plane_height);
  d["bands"] = info.bands;
  d["elements"] = elements;
  d["header_bytes"] = info.header_bytes;
  d["payload_bytes"] = info.payload_bytes;
  d["total_bytes"] = info.total_bytes;
  d["bits_per_element"] = info.bits_per_element;
  d["frames"] = info.rank == 4 ? info.shape[0] : 1;
  d["key_frames"] = info.key_frames;
  d["gop"] = info.gop;
  d["ranges_per_key_frame"] = info.ranges_per_key_frame != 0;
  return d;
}

py::list Backends() {
  static const std::pair<uint32_t, const char*> kCapabilities[] = {{FTC_CAP_ENCODE, "encode"},
                                                                   {FTC_CAP_DECODE, "decode"},
                                                                   {FTC_CAP_LOSSLESS, "lossless"},
                                                                   {FTC_CAP_NEAR_LOSSLESS, "near_lossless"},
                                                                   {FTC_CAP_QUALITY, "quality"},
                                                                   {FTC_CAP_VIDEO, "video"},
                                                                   {FTC_CAP_LOSSLESS_MODE, "lossless_mode"}};
  py::list out;
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    const ftc_backend_info* b = ftc_backend_at(i);
    py::list capabilities;
    for (const auto& [bit, name] : kCapabilities)
      if (b->capabilities & bit) capabilities.append(name);
    py::dict d;
    d["name"] = b->name;
    d["id"] = b->id;
    d["implementation"] = b->implementation;
    d["library"] = b->library;
    d["description"] = b->description;
    d["block_align"] = b->block_align;
    d["capabilities"] = capabilities;
    out.append(d);
  }
  return out;
}

// --- streams
// ------------------------------------------------------------------------------------------------

// A handle may be used by one thread at a time (ftc.h): the mutex serialises Python threads sharing an
// object, taken after the GIL is released so that the other threads keep running.
class StreamEncoder {
 public:
  explicit StreamEncoder(const py::kwargs& kwargs) {
    ParseEncoderKwargs(kwargs, &config_);
    declared_ = config_.declared;
    encoder_.emplace(config_.settings, config_.stream);
    config_.calibration_array = py::none();  // read during create only
  }

  py::bytes Encode(py::handle frame) {
    py::object keep;
    const ftc_tensor tensor = TensorArg(frame, declared_, &keep);
    ftc::Bytes out;
    {
      py::gil_scoped_release release;
      const std::lock_guard lock(mutex_);
      out = encoder_->Encode(tensor);
    }
    return ToBytes(out);
  }

  py::bytes Header() {
    ftc::Bytes out;
    {
      py::gil_scoped_release release;
      const std::lock_guard lock(mutex_);
      out = encoder_->Header();
    }
    return ToBytes(out);
  }

 private:
  EncoderConfig config_;
  std::optional<ftc_dtype> declared_;
  std::optional<ftc::StreamEncoder> encoder_;
  std::mutex mutex_;
};

class StreamDecoder {
 public:
  StreamDecoder(uint64_t max_elements, const std::string& implementation, const std::string& bfloat16)
      : bfloat16_as_(Bfloat16Arg(bfloat16)) {
    const ftc_decoder_settings settings = DecoderSettings(0, max_elements, implementation);
    decoder_.emplace(&settings);
  }

  // None when the chunk was a stream header alone.
  py::object Decode(py::handle chunk) {
    const ByteView bytes(chunk);
    ftc::Tensor frame;
    {
      py::gil_scoped_release release;
      const std::lock_guard lock(mutex_);
      frame = decoder_->Decode(bytes.span());
    }
    if (frame.data() == nullptr) return py::none();
    return ToArray(std::move(frame), bfloat16_as_);
  }

 private:
  Bfloat16As bfloat16_as_;
  std::optional<ftc::StreamDecoder> decoder_;
  std::mutex mutex_;
};

constexpr const char* kSettingsDoc = R"(
Settings (keyword arguments, as in ftc_encoder_settings; every one optional):
  codec="jpeg"          raw, lossless, jpeg, h264, hevc, or auto (see ftc.backends())
  quality=90            1..100, for codecs with a quality
  bits=8                quantiser bits, 1..8
  clip="sigma:3"        "sigma:K", "minmax" or "range:LO,HI"
  per_channel=False     one clip range per channel
  max_error=0           near-lossless bound in quantisation levels (lossless codec)
  options=None          codec options, "key=value,..." or a dict (an unknown key is an error)
  threads=0             worker threads for a batch; 0 = one per core
  implementation=None   which library encodes the codec ("x264" or "openh264" for h264)
  lossless=False        code the quantised levels exactly (raw, lossless; h264 by x264, hevc by x265)
  target_bytes=0        a size budget per frame instead of a quality
  gop=30, range="first", calibration=None
                        video codecs and streams: key-frame interval; clip range "first", "fixed" or
                        "keyframe"; sample tensors for range="fixed"
  dtype=None            "bfloat16": the array is uint16 and holds bfloat16 bits
)";

}  // namespace

PYBIND11_MODULE(ftc, m) {
  m.doc() =
      "ftc: the feature-tensor codec for split (edge/cloud) inference.\n\n"
      "encode(array, **settings) -> bytes, decode(bytes) -> numpy.ndarray, info(bytes) -> dict,\n"
      "StreamEncoder / StreamDecoder for one tensor per packet; errors raise ftc.Error.";

  g_error = PyErr_NewExceptionWithDoc(
      "ftc.Error",
      "An error from the ftc library: str(e) is its message, e.code the ftc_result (an int) and e.reason its "
      "name (\"corrupt bitstream\", ...). A subclass of ValueError.",
      PyExc_ValueError, nullptr);
  g_need_key_frame = PyErr_NewExceptionWithDoc(
      "ftc.NeedKeyFrame",
      "StreamDecoder.decode skipped a packet: decoding (re)starts at the next key frame; keep feeding it.",
      g_error, nullptr);
  if (g_error == nullptr || g_need_key_frame == nullptr) throw py::error_already_set();
  m.add_object("Error", py::handle(g_error));
  m.add_object("NeedKeyFrame", py::handle(g_need_key_frame));
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ftc::Error& e) {
      SetPythonError(e);
    }
  });

  m.attr("__version__") = ftc_version_string();
  m.attr("abi_version") = ftc_abi_version();
  m.attr("format_version") = ftc_format_version();

  // Docstrings built at run time live as long as the module.
  static const std::string encode_doc =
      std::string(
          "Encodes a C×H×W or N×C×H×W float32 or float16 array (any object with the buffer\n"
          "protocol; read in place when C-contiguous) into a complete .ftc file.\n") +
      kSettingsDoc;
  static const std::string stream_encoder_doc =
      std::string(
          "StreamEncoder(**settings): one tensor per frame, one packet each.\n\n"
          "encode(frame) returns the stream header and the first packet on the first call, one\n"
          "packet on every later one; header() returns the header alone.\n") +
      kSettingsDoc;
  m.def("encode", &Encode, py::arg("array"), encode_doc.c_str());
  m.def("decode", &Decode, py::arg("data"), py::kw_only(), py::arg("threads") = 0,
        py::arg("max_elements") = 0, py::arg("implementation") = "", py::arg("bfloat16") = "float32",
        "Decodes a .ftc file (any bytes-like object) into a NumPy array of the encoded shape and dtype\n"
        "(float32 or float16). NumPy has no bfloat16: a bfloat16 tensor comes back as float32 (exact), or\n"
        "with bfloat16=\"uint16\" as its raw bits. max_elements (0: the library's limit) refuses larger\n"
        "tensors; implementation names the decoding library (\"avcodec\" or \"openh264\" for h264).");
  m.def("info", &Info, py::arg("data"),
        "What a .ftc file holds, without decoding it: a dict with the keys of `ftc info --json`.");
  m.def("backends", &Backends,
        "The built backends in preference order: dicts with name (the codec), id, implementation, library,\n"
        "description, block_align and capabilities (a list of \"encode\", \"decode\", \"lossless\", ...).");
  m.def("cpu_level", &ftc_cpu_level, "The SIMD level in use: scalar, sse4, avx2, avx512 or neon.");
  m.def(
      "set_cpu_level",
      [](const std::string& name) {
        const ftc_result r = ftc_set_cpu_level(name.c_str());
        if (r != FTC_OK) Fail(r, "set_cpu_level: unknown or foreign level \"" + name + "\"");
      },
      py::arg("name"), "Uses a lower SIMD level (same bits, other speed); not while another thread codes.");

  py::class_<StreamEncoder>(m, "StreamEncoder", stream_encoder_doc.c_str())
      .def(py::init<const py::kwargs&>())
      .def("encode", &StreamEncoder::Encode, py::arg("frame"),
           "Codes a C×H×W (or 1×C×H×W) frame with the first frame's shape and dtype; returns bytes.")
      .def("header", &StreamEncoder::Header, "The stream header alone (after the first frame).");

  py::class_<StreamDecoder>(m, "StreamDecoder",
                            "StreamDecoder(*, max_elements=0, implementation=\"\", bfloat16=\"float32\"):\n"
                            "decode(chunk) takes what StreamEncoder.encode returned and gives back the\n"
                            "frame, or None for a stream header alone. A packet it must skip until the next\n"
                            "key frame raises ftc.NeedKeyFrame.")
      .def(py::init<uint64_t, const std::string&, const std::string&>(), py::kw_only(),
           py::arg("max_elements") = 0, py::arg("implementation") = "", py::arg("bfloat16") = "float32")
      .def("decode", &StreamDecoder::Decode, py::arg("chunk"));
}
