"""CRC-32C (Castagnoli, reflected, init and final XOR 0xFFFFFFFF), the .ftc container's checksum
(docs/FORMAT.md), for the Python tools and tests that write or edit .ftc files byte by byte."""


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF
