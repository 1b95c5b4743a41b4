// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI, ext4 and the .ftc container.
#ifndef FTC_COMMON_CRC32C_H
#define FTC_COMMON_CRC32C_H

#include <cstddef>
#include <cstdint>

namespace ftc {

// Continues a CRC: pass 0 for the first chunk, then the previous result.
uint32_t Crc32c(uint32_t crc, const uint8_t* data, size_t size);

}  // namespace ftc

#endif  // FTC_COMMON_CRC32C_H
