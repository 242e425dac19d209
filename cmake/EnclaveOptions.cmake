# Build options and the one warning policy shared by every target.
include(CheckLanguage)

# ccache when present: CI and rebuilds on 2 cores depend on it.
find_program(ENCLAVE_CCACHE ccache)
if(ENCLAVE_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER ${ENCLAVE_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${ENCLAVE_CCACHE})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${ENCLAVE_CCACHE})
endif()

# CUDA: ON by default when nvcc is found (also on machines without a GPU: the code must always build).
if(NOT DEFINED CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
endif()
check_language(CUDA)
set(_cuda_default OFF)
if(CMAKE_CUDA_COMPILER)
  set(_cuda_default ON)
endif()
option(ENCLAVE_WITH_CUDA "Build the CUDA + cuBLAS backend" ${_cuda_default})

find_package(Vulkan QUIET COMPONENTS glslc)
set(_vulkan_default OFF)
if(Vulkan_FOUND AND Vulkan_GLSLC_EXECUTABLE)
  set(_vulkan_default ON)
endif()
option(ENCLAVE_WITH_VULKAN "Build the Vulkan backend" ${_vulkan_default})

option(ENCLAVE_WERROR "Treat warnings as errors" OFF)

# Hardening builds: ENCLAVE_SANITIZE instruments everything with AddressSanitizer +
# UndefinedBehaviorSanitizer; ENCLAVE_FUZZ (clang only; scripts/test-hardening.sh) builds just the
# engine, storage, their test suites and the libFuzzer targets of tests/fuzz, instrumented the same
# way, so one build serves both the sanitizer suites and the fuzzing.
option(ENCLAVE_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(ENCLAVE_FUZZ "Build the libFuzzer targets (clang) instead of the app" OFF)
if(ENCLAVE_SANITIZE OR ENCLAVE_FUZZ)
  set(_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  if(ENCLAVE_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
      message(FATAL_ERROR "ENCLAVE_FUZZ needs clang (CC=clang CXX=clang++)")
    endif()
    list(APPEND _sanitizers -fsanitize=fuzzer-no-link)
  endif()
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${_sanitizers}>")
  add_link_options(-fsanitize=address,undefined)
endif()
option(ENCLAVE_NATIVE "Tune CPU code for this machine (-march=native); off for packages" OFF)

if(ENCLAVE_WITH_CUDA)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    # One architecture keeps CI builds short; packagers pass a list.
    set(CMAKE_CUDA_ARCHITECTURES 90)
  endif()
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)  # CMake 3.25 knows no CUDA 20 flags for nvcc; kernels need only C++17
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  find_package(CUDAToolkit REQUIRED)
endif()
if(ENCLAVE_WITH_VULKAN)
  find_package(Vulkan REQUIRED COMPONENTS glslc)
endif()

# enclave_warnings(target): the project's warning set, errors in CI.
function(enclave_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:GNU>>:-Wshadow=local>
    $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Wcast-align -Wimplicit-fallthrough>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${ENCLAVE_WERROR}>>:-Werror>
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra>
    $<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<BOOL:${ENCLAVE_WERROR}>>:-Werror=all-warnings>)
endfunction()
