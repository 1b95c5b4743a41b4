#include "backends/video.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace ftc {

Status PassThroughOptions(const Options& options, const char* library, std::span<const char* const> reserved,
                          const std::function<int(const char* name, const char* value)>& parse, int bad_name,
                          LibraryOptions* out) {
  out->clear();
  for (auto& [name, value] : options.TakeUnused()) {
    std::string base = name;
    std::replace(base.begin(), base.end(), '_', '-');
    if (base.rfind("no-", 0) == 0) base.erase(0, 3);
    if (std::find(reserved.begin(), reserved.end(), base) != reserved.end())
      return InvalidArgument(
          std::string(library) + ": option " + name +
          " is ftc's to set (the stream's shape, timing, rate control, threads and headers)");
    const int r = parse(name.c_str(), value.c_str());
    if (r == bad_name) return InvalidArgument(std::string(library) + ": unknown option " + name);
    if (r != 0)
      return InvalidArgument(std::string(library) + ": bad value for " + name + ": '" + value + "'");
    out->emplace_back(std::move(name), std::move(value));
  }
  return Status::Ok();
}

namespace {

// The position of the next 00 00 01 at or after `from`, or the packet's size.
size_t NextStartCode(std::span<const uint8_t> p, size_t from) {
  for (size_t i = from; i + 2 < p.size(); ++i)
    if (p[i + 2] <= 1 && p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1) return i;
  return p.size();
}

struct NalKinds {
  bool idr = false, other_slice = false, parameter_sets = false, sps = false, pps = false, vps = false;
};

// Classifies one NAL unit (its bytes after the start code); false when its header is invalid.
bool Classify(NalSyntax syntax, std::span<const uint8_t> nal, NalKinds* k) {
  if (syntax == NalSyntax::kH264) {
    if (nal.empty() || (nal[0] & 0x80)) return false;  // forbidden_zero_bit
    const int type = nal[0] & 0x1F;
    k->idr |= type == 5;
    k->other_slice |= type == 1;
    k->sps |= type == 7;
    k->pps |= type == 8;
    k->vps = true;  // H.264 has none
    k->parameter_sets |= type == 7 || type == 8;
    return true;
  }
  if (nal.size() < 2 || (nal[0] & 0x80) || (nal[1] & 0x07) == 0)
    return false;  // forbidden bit, temporal id + 1
  const int type = (nal[0] >> 1) & 0x3F;
  k->idr |= type == 19 || type == 20;
  k->other_slice |= type <= 9 || (type >= 16 && type <= 18) || type == 21;
  k->vps |= type == 32;
  k->sps |= type == 33;
  k->pps |= type == 34;
  k->parameter_sets |= type >= 32 && type <= 34;
  return true;
}

}  // namespace

int QpOfQuality(int quality) {
  const double scale = quality < 50 ? 50.0 / quality : (200.0 - 2.0 * quality) / 100.0;
  if (scale <= 0) return kMinQp;
  const long qp = std::lround(kQpAtQuality50 + 6.0 * std::log2(scale));
  return static_cast<int>(std::clamp<long>(qp, kMinQp, kMaxQp));
}

Status CheckAnnexB(NalSyntax syntax, std::span<const uint8_t> packet, bool key) {
  size_t at = packet.size() >= 4 && packet[0] == 0 && packet[3] == 1 ? 1 : 0;  // a four-byte start code
  if (NextStartCode(packet, at) != at) return Corrupt("the packet does not start with an Annex B start code");
  NalKinds kinds;
  while (at < packet.size()) {
    const size_t begin = at + 3;
    const size_t next = NextStartCode(packet, begin);
    size_t end = next;
    while (end > begin && packet[end - 1] == 0) --end;  // zero bytes before the next start code
    if (!Classify(syntax, packet.subspan(begin, end - begin), &kinds))
      return Corrupt("the packet has an empty or invalid NAL unit");
    at = next;
  }
  if (key && !(kinds.idr && kinds.sps && kinds.pps && kinds.vps))
    return Corrupt("a key packet does not hold an IDR picture with its parameter sets");
  if (!key && (kinds.idr || kinds.parameter_sets || !kinds.other_slice))
    return Corrupt("a packet that is not a key frame must hold a picture predicted from earlier ones");
  return Status::Ok();
}

}  // namespace ftc
