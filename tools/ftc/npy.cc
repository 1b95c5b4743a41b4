#include "npy.h"

#include <bit>
#include <cstring>
#include <string_view>

#include "cli.h"

namespace ftc_cli {
namespace {

static_assert(
    std::endian::native == std::endian::little,
    "the .npy reader hands little-endian data to the codec as it is; a big-endian host must swap bytes");

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr size_t kPreamble = 8;  // magic + major + minor

// The header is a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (1, 64, 14, 14), }
// This reads exactly that grammar: string keys; string, True/False or tuple-of-integers values.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  void Parse(std::string* descr, bool* fortran_order, std::vector<uint64_t>* shape) {
    bool have_descr = false, have_order = false, have_shape = false;
    Expect('{');
    while (!Peek('}')) {
      const std::string key = String();
      Expect(':');
      if (key == "descr") {
        if (Peek('[')) Bad("structured dtypes (records) are not supported");
        *descr = String();
        have_descr = true;
      } else if (key == "fortran_order") {
        *fortran_order = Bool();
        have_order = true;
      } else if (key == "shape") {
        *shape = Tuple();
        have_shape = true;
      } else {
        Bad("unexpected header key '" + key + "'");
      }
      if (!Peek('}')) Expect(',');
    }
    Expect('}');
    SkipSpace();
    if (pos_ != text_.size()) Bad("unexpected text after the header dictionary");
    if (!have_descr || !have_order || !have_shape) Bad("the header lacks descr, fortran_order or shape");
  }

 private:
  [[noreturn]] void Bad(const std::string& what) const {
    Fail(kExitData, name_ + ": bad .npy header: " + what);
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  bool Peek(char c) {
    SkipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  void Expect(char c) {
    if (!Peek(c)) Bad(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string String() {
    SkipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) Bad("expected a string");
    const char quote = text_[pos_++];
    const size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) Bad("unterminated string");
    std::string s(text_.substr(pos_, end - pos_));
    if (s.find('\\') != std::string::npos) Bad("escapes in strings are not supported");
    pos_ = end + 1;
    return s;
  }
  bool Bool() {
    SkipSpace();
    for (const auto& [word, value] :
         {std::pair{std::string_view("True"), true}, {std::string_view("False"), false}}) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    }
    Bad("fortran_order is not True or False");
  }
  uint64_t Integer() {
    SkipSpace();
    uint64_t v = 0;
    const size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (v > (UINT64_MAX - 9) / 10) Bad("a dimension is too large");
      v = v * 10 + static_cast<uint64_t>(text_[pos_++] - '0');
    }
    if (pos_ == start) Bad("the shape holds something other than non-negative integers");
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 long literal
    return v;
  }
  std::vector<uint64_t> Tuple() {
    std::vector<uint64_t> dims;
    Expect('(');
    while (!Peek(')')) {
      dims.push_back(Integer());
      if (!Peek(')')) Expect(',');
    }
    Expect(')');
    return dims;
  }

  std::string_view text_;
  const std::string& name_;
  size_t pos_ = 0;
};

ftc_dtype DtypeOfDescr(const std::string& descr, std::optional<ftc_dtype> declared, const std::string& name) {
  if (descr == "<f4") return FTC_DTYPE_FLOAT32;
  if (descr == "<f2") return FTC_DTYPE_FLOAT16;
  if (descr == "<u2") {
    if (declared != FTC_DTYPE_BFLOAT16)
      Fail(kExitData,
           name +
               ": dtype '<u2' (uint16) is not a float type; if it holds bfloat16 values, pass --dtype bf16");
    return FTC_DTYPE_BFLOAT16;
  }
  if (descr.size() >= 2 && descr[0] == '>')
    Fail(kExitData, name + ": big-endian data ('" + descr +
                        "') is not supported: save it little-endian, e.g. a.astype('<" + descr.substr(1) +
                        "')");
  if (descr == "|O" || descr == "O")
    Fail(kExitData, name + ": object arrays ('" + descr + "') are not supported: save a float32 array");
  Fail(kExitData,
       name + ": dtype '" + descr +
           "' is not supported: use float32 ('<f4'), float16 ('<f2'), or bfloat16 stored as uint16 "
           "('<u2' with --dtype bf16), e.g. a.astype(np.float32)");
}

const char* DescrOf(ftc_dtype dtype) {
  switch (dtype) {
    case FTC_DTYPE_FLOAT16:
      return "<f2";
    case FTC_DTYPE_BFLOAT16:
      return "<u2";
    default:
      return "<f4";
  }
}

// Python's repr of a tuple: "()", "(5,)", "(1, 3, 7, 13)".
std::string TupleText(std::span<const uint64_t> shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

uint64_t ReadLittle(std::span<const uint8_t> bytes) {
  uint64_t v = 0;
  for (size_t i = bytes.size(); i-- > 0;) v = v << 8 | bytes[i];
  return v;
}

}  // namespace

bool IsNpy(std::span<const uint8_t> file) {
  return file.size() >= sizeof(kMagic) && std::memcmp(file.data(), kMagic, sizeof(kMagic)) == 0;
}

NpyLayout ParseNpy(std::span<const uint8_t> file, std::optional<ftc_dtype> declared,
                   const std::string& name) {
  if (!IsNpy(file)) Fail(kExitData, name + ": not a .npy file (no \\x93NUMPY magic)");
  if (file.size() < kPreamble) Fail(kExitData, name + ": truncated .npy header");
  const int major = file[6], minor = file[7];
  if ((major < 1 || major > 3) || minor != 0)
    Fail(kExitData, Format("%s: .npy format version %d.%d is not supported (1.0, 2.0 and 3.0 are)",
                           name.c_str(), major, minor));
  const size_t length_bytes = major == 1 ? 2 : 4;
  if (file.size() < kPreamble + length_bytes) Fail(kExitData, name + ": truncated .npy header");
  const uint64_t header_length = ReadLittle(file.subspan(kPreamble, length_bytes));
  if (header_length > kMaxNpyHeaderBytes)
    Fail(kExitData, Format("%s: .npy header of %llu bytes is too large", name.c_str(),
                           static_cast<unsigned long long>(header_length)));
  const uint64_t header_start = kPreamble + length_bytes;
  if (file.size() < header_start + header_length) Fail(kExitData, name + ": truncated .npy header");
  const auto header = file.subspan(header_start, header_length);

  std::string descr;
  bool fortran_order = false;
  NpyLayout layout;
  HeaderParser(std::string_view(reinterpret_cast<const char*>(header.data()), header.size()), name)
      .Parse(&descr, &fortran_order, &layout.shape);
  layout.dtype = DtypeOfDescr(descr, declared, name);
  if (declared && *declared != layout.dtype)
    Fail(kExitData, Format("%s: --dtype %s does not match the file's dtype '%s' (%s)", name.c_str(),
                           ftc_dtype_name(*declared), descr.c_str(), ftc_dtype_name(layout.dtype)));
  if (fortran_order)
    Fail(kExitData,
         name + ": Fortran-ordered arrays are not supported: save a C-ordered one (np.ascontiguousarray)");

  const uint64_t item = ftc_dtype_size(layout.dtype);
  uint64_t bytes = item;
  for (const uint64_t d : layout.shape) {
    if (__builtin_mul_overflow(layout.elements, d, &layout.elements) ||
        __builtin_mul_overflow(bytes, d, &bytes))
      Fail(kExitData, name + ": the shape " + ShapeText(layout.shape) + " is too large");
  }
  layout.data_offset = header_start + header_length;
  const uint64_t have = file.size() - layout.data_offset;
  if (have < bytes)
    Fail(kExitData, Format("%s: truncated .npy data: %llu of the %llu bytes that shape %s needs",
                           name.c_str(), static_cast<unsigned long long>(have),
                           static_cast<unsigned long long>(bytes), ShapeText(layout.shape).c_str()));
  if (have > bytes)
    Fail(kExitData, Format("%s: %llu bytes after the .npy data that shape %s holds", name.c_str(),
                           static_cast<unsigned long long>(have - bytes), ShapeText(layout.shape).c_str()));
  return layout;
}

std::vector<uint8_t> NpyHeader(ftc_dtype dtype, std::span<const uint64_t> shape) {
  const std::string dict = std::string("{'descr': '") + DescrOf(dtype) +
                           "', 'fortran_order': False, 'shape': " + TupleText(shape) + ", }";
  // Pad with spaces and end with '\n' so that the data starts at a multiple of 64 bytes, as numpy does.
  const auto padded = [&](size_t length_bytes) {
    const size_t unpadded = kPreamble + length_bytes + dict.size() + 1;
    return dict.size() + 1 + (64 - unpadded % 64) % 64;
  };
  const int major = padded(2) <= 0xffff ? 1 : 2;
  const size_t length_bytes = major == 1 ? 2 : 4;
  const size_t header_length = padded(length_bytes);
  std::vector<uint8_t> out(kMagic, kMagic + sizeof(kMagic));
  out.push_back(static_cast<uint8_t>(major));
  out.push_back(0);
  for (size_t i = 0; i < length_bytes; ++i) out.push_back(static_cast<uint8_t>(header_length >> (8 * i)));
  out.insert(out.end(), dict.begin(), dict.end());
  out.insert(out.end(), header_length - dict.size() - 1, ' ');
  out.push_back('\n');
  return out;
}

}  // namespace ftc_cli
