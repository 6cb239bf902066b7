/* Portability header: the one place where OpenCL C and CUDA C++ (NVRTC) differ.
 *
 * Every kernel file is written against these names only:
 *   KERNEL            entry point            (__kernel / extern "C" __global__)
 *   DEVICE_FN         helper function        (static inline / static __device__ __forceinline__)
 *   DEVICE_FN_CALLED  large helper kept out of line in CUDA, where inlining it at every call site
 *                     multiplies the code size (static inline / static __device__ __noinline__)
 *   GLOBAL, LOCAL     pointer address spaces (__global, __local / nothing in CUDA)
 *   CONSTANT_MEM      program-scope table    (__constant / __constant__)
 *   LOCAL_MEM         work-group array decl  (__local / __shared__)
 *   GLOBAL_ID() LOCAL_ID() GROUP_ID() LOCAL_SIZE() NUM_GROUPS()    (1-D)
 *   LOCAL_BARRIER()   work-group barrier with local-memory fence
 *   ATOMIC_ADD_U32(p, v)   returns the old value, global or local memory
 *   MULHI64(a, b), MULHI32(a, b)     high half of the full product
 *   ROTL32(x, n), ROTR32(x, n), BSWAP32(x)
 *   u8 u16 u32 u64 i32 i64           fixed-width integers
 */
#ifndef PORT_H
#define PORT_H

#if defined(__OPENCL_VERSION__)

typedef uchar u8;
typedef ushort u16;
typedef uint u32;
typedef ulong u64;
typedef int i32;
typedef long i64;

#define KERNEL __kernel
#define DEVICE_FN static inline
#define DEVICE_FN_CALLED static inline
#define GLOBAL __global
#define LOCAL __local
#define CONSTANT_MEM __constant
#define LOCAL_MEM __local
#define GLOBAL_ID() ((u32)get_global_id(0))
#define LOCAL_ID() ((u32)get_local_id(0))
#define GROUP_ID() ((u32)get_group_id(0))
#define LOCAL_SIZE() ((u32)get_local_size(0))
#define NUM_GROUPS() ((u32)get_num_groups(0))
#define LOCAL_BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define ATOMIC_ADD_U32(p, v) atomic_add((p), (u32)(v))
#define MULHI64(a, b) mul_hi((u64)(a), (u64)(b))
#define MULHI32(a, b) mul_hi((u32)(a), (u32)(b))
#define ROTL32(x, n) rotate((u32)(x), (u32)(n))
#define ROTR32(x, n) rotate((u32)(x), (u32)(32u - (n)))

#elif defined(__CUDACC__) || defined(__CUDACC_RTC__)

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef int i32;
typedef long long i64;

#define KERNEL extern "C" __global__
#define DEVICE_FN static __device__ __forceinline__
#define DEVICE_FN_CALLED static __device__ __noinline__
#define GLOBAL
#define LOCAL
#define CONSTANT_MEM __constant__
#define LOCAL_MEM __shared__
#define GLOBAL_ID() ((u32)(blockIdx.x * blockDim.x + threadIdx.x))
#define LOCAL_ID() ((u32)threadIdx.x)
#define GROUP_ID() ((u32)blockIdx.x)
#define LOCAL_SIZE() ((u32)blockDim.x)
#define NUM_GROUPS() ((u32)gridDim.x)
#define LOCAL_BARRIER() __syncthreads()
#define ATOMIC_ADD_U32(p, v) atomicAdd((p), (u32)(v))
#define MULHI64(a, b) __umul64hi((u64)(a), (u64)(b))
#define MULHI32(a, b) __umulhi((u32)(a), (u32)(b))
#define ROTL32(x, n) __funnelshift_l((u32)(x), (u32)(x), (u32)(n))
#define ROTR32(x, n) __funnelshift_r((u32)(x), (u32)(x), (u32)(n))

#else
#error "port.h: compile with an OpenCL C compiler or NVRTC/nvcc"
#endif

/* Byte swap of a 32-bit word (big-endian <-> little-endian). */
#define BSWAP32(x) ((((u32)(x) & 0xffu) << 24) | (((u32)(x) & 0xff00u) << 8) | \
                    (((u32)(x) >> 8) & 0xff00u) | ((u32)(x) >> 24))

/* Little-endian 32-bit load from a byte pointer of any alignment. */
#define LOAD_LE32(p) ((u32)(p)[0] | ((u32)(p)[1] << 8) | ((u32)(p)[2] << 16) | ((u32)(p)[3] << 24))

#endif /* PORT_H */
