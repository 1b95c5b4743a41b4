// FTC_HOST_DEVICE marks the few formulas that the CUDA kernels (codec/src/cuda) share with the CPU code, so
// that both run the very same arithmetic and agree bit for bit. Outside nvcc it is nothing.
#ifndef FTC_COMMON_HOST_DEVICE_H
#define FTC_COMMON_HOST_DEVICE_H

#if defined(__CUDACC__)
#define FTC_HOST_DEVICE __host__ __device__
#else
#define FTC_HOST_DEVICE
#endif

#endif  // FTC_COMMON_HOST_DEVICE_H
