# Turns ASR_BACKEND into ggml options, and fails early, with the missing piece
# named, when the requested backend cannot be built on this host.
function(asr_configure_backend backend native)
  set(GGML_NATIVE ${native} CACHE BOOL "" FORCE)
  asr_configure_cpu_baseline(${native})

  if(backend STREQUAL "cpu")
    message(STATUS "asr: backend cpu")
  elseif(backend STREQUAL "cuda")
    asr_require_cuda()
    set(GGML_CUDA ON CACHE BOOL "" FORCE)
  elseif(backend STREQUAL "metal")
    if(NOT APPLE)
      message(FATAL_ERROR "ASR_BACKEND=metal needs macOS; this host is ${CMAKE_SYSTEM_NAME}.")
    endif()
    set(GGML_METAL ON CACHE BOOL "" FORCE)
    # The Metal shaders go inside the binary instead of a file beside it.
    set(GGML_METAL_EMBED_LIBRARY ON CACHE BOOL "" FORCE)
  elseif(backend STREQUAL "vulkan")
    find_package(Vulkan COMPONENTS glslc)
    if(NOT Vulkan_FOUND OR NOT Vulkan_GLSLC_EXECUTABLE)
      message(FATAL_ERROR
        "ASR_BACKEND=vulkan needs the Vulkan headers, loader and the glslc "
        "shader compiler (Debian: libvulkan-dev glslc); not found.")
    endif()
    set(GGML_VULKAN ON CACHE BOOL "" FORCE)
  else()
    message(FATAL_ERROR "ASR_BACKEND='${backend}' is not one of cpu, cuda, metal, vulkan.")
  endif()
endfunction()

# Binaries that ship must run on any x86-64 server of the last decade, so they
# target x86-64-v3 (AVX2, FMA, F16C) rather than the build host's CPU.
function(asr_configure_cpu_baseline native)
  if(native OR NOT CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    return()
  endif()
  foreach(feature GGML_AVX GGML_AVX2 GGML_FMA GGML_F16C GGML_BMI2)
    set(${feature} ON CACHE BOOL "" FORCE)
  endforeach()
  message(STATUS "asr: portable x86-64-v3 CPU build (ASR_NATIVE=1 tunes for this host)")
endfunction()

# ggml's CUDA backend links cuBLAS; a toolkit without it configures and then
# fails deep in the link step. Say so before the build starts.
function(asr_require_cuda)
  find_package(CUDAToolkit)
  if(NOT CUDAToolkit_FOUND)
    message(FATAL_ERROR
      "ASR_BACKEND=cuda needs the CUDA toolkit (nvcc and its libraries); "
      "CMake found none. Put nvcc on PATH or set CUDAToolkit_ROOT.")
  endif()
  if(NOT TARGET CUDA::cublas OR NOT TARGET CUDA::cublasLt)
    message(FATAL_ERROR
      "ASR_BACKEND=cuda: the CUDA toolkit ${CUDAToolkit_VERSION} at "
      "${CUDAToolkit_LIBRARY_DIR} has no cuBLAS (libcublas, libcublasLt), "
      "which ggml's CUDA backend links against. Install the cuBLAS "
      "development package for CUDA ${CUDAToolkit_VERSION_MAJOR} "
      "(for example libcublas-dev-${CUDAToolkit_VERSION_MAJOR}-${CUDAToolkit_VERSION_MINOR}), "
      "or build for the CPU with ASR_BACKEND=cpu.")
  endif()
  message(STATUS "asr: backend cuda (toolkit ${CUDAToolkit_VERSION})")
endfunction()
