# node-gyp build of the asr_engine addon: the CPU backend only, for hosts
# without CMake ('npm run build:gyp', or scripts/build-native.mjs when cmake is
# missing). Output: build/Release/asr_engine.node, which src/engine/binding.ts
# tries after the CMake builds.
#
# CMakeLists.txt stays the main build. This file mirrors what its CPU
# configuration compiles: whisper.cpp and ggml linked in statically, the
# portable x86-64-v3 baseline, no OpenMP, no llamafile, no dynamic backend
# loading. The targets below are CMake's targets, with the same sources,
# definitions, flags and language modes, so that both builds compute the same
# numbers (test/native/gyp-smoke.test.ts checks it). When the pinned
# whisper.cpp release changes, compare them with
# build-cmake/cpu/compile_commands.json again.
{
  'variables': {
    'variables': {
      # The whisper.cpp tree ships inside the pinned npm package and is never
      # copied into this repository. Another package version would carry
      # another whisper.cpp, so that stops the build here, as
      # cmake/WhisperSource.cmake stops the CMake build. The path is made
      # relative to this file (gyp runs these commands here): gyp's make
      # generator cannot place objects for sources given as absolute paths.
      'whisper_dir%': '<!(node -p "const p = require(\'path\'), m = require.resolve(\'nodejs-whisper/package.json\'), v = require(m).version; if (v !== \'0.3.1\') throw new Error(\'nodejs-whisper is \' + v + \', expected 0.3.1; reinstall with npm ci\'); p.relative(process.cwd(), p.join(p.dirname(m), \'cpp\', \'whisper.cpp\'))")',
      'napi_dir%': '<!(node -p "require(\'path\').dirname(require.resolve(\'node-addon-api/package.json\'))")',

      'conditions': [
        # Definitions CMake adds for everything under ggml/src, besides
        # GGML_SCHED_MAX_COPIES=4 and _XOPEN_SOURCE=600: the GNU or Darwin
        # extensions of the C library.
        ['OS=="linux"', {'ggml_os_defines': ['_GNU_SOURCE']}],
        ['OS=="mac"', {'ggml_os_defines': ['_DARWIN_C_SOURCE']}],
        ['OS=="win"', {'ggml_os_defines': ['_CRT_SECURE_NO_WARNINGS']}],
        ['OS!="linux" and OS!="mac" and OS!="win"', {'ggml_os_defines': []}],

        # The CPU backend's instruction sets. x86-64: x86-64-v3 (AVX2, FMA,
        # F16C, BMI2), the portable baseline of cmake/Backend.cmake, so the
        # binary runs on any x86-64 server of the last decade. arm64: no
        # -march, the armv8-a baseline, as CMake without ASR_NATIVE.
        ['target_arch=="x64" and OS!="win"', {
          'cpu_arch_flags': ['-msse4.2', '-mf16c', '-mfma', '-mbmi2', '-mavx', '-mavx2'],
          'cpu_arch_defines': [
            'GGML_SSE42', 'GGML_F16C', 'GGML_FMA', 'GGML_BMI2', 'GGML_AVX', 'GGML_AVX2',
          ],
        }],
        ['target_arch=="x64" and OS=="win"', {
          # ggml's CMake for MSVC: /arch:AVX2, and the definitions MSVC does
          # not set itself.
          'cpu_arch_flags': ['/arch:AVX2'],
          'cpu_arch_defines': ['GGML_AVX2', 'GGML_FMA', 'GGML_F16C', '__BMI2__', 'GGML_BMI2'],
        }],
        ['target_arch!="x64"', {'cpu_arch_flags': [], 'cpu_arch_defines': []}],
        ['target_arch=="x64"', {'cpu_arch_dir': 'x86'}],
        ['target_arch=="arm64"', {'cpu_arch_dir': 'arm'}],
        ['target_arch!="x64" and target_arch!="arm64"', {'cpu_arch_dir': ''}],

        # ggml's CPU backend uses Accelerate on macOS (GGML_ACCELERATE is on
        # by default in its CMake).
        ['OS=="mac"', {
          'cpu_os_defines': [
            'GGML_USE_ACCELERATE', 'ACCELERATE_NEW_LAPACK', 'ACCELERATE_LAPACK_ILP64',
          ],
        }, {'cpu_os_defines': []}],
      ],
    },
    'whisper_dir%': '<(whisper_dir)',
    'ggml_dir%': '<(whisper_dir)/ggml',
    'napi_dir%': '<(napi_dir)',

    # The versions CMake writes into the same definitions: whisper.cpp's and
    # ggml's project versions; the commit is unknown outside a git checkout.
    'whisper_version': '1.9.1',
    # Definitions of each ggml library, as in CMake.
    'ggml_defines': ['GGML_SCHED_MAX_COPIES=4', '_XOPEN_SOURCE=600', '<@(ggml_os_defines)'],
    'ggml_base_defines': [
      'GGML_SCHED_MAX_COPIES=4',
      '_XOPEN_SOURCE=600',
      '<@(ggml_os_defines)',
      'GGML_VERSION="0.15.1"',
      'GGML_COMMIT="unknown"',
    ],
    'ggml_cpu_defines': [
      'GGML_SCHED_MAX_COPIES=4',
      '_XOPEN_SOURCE=600',
      '<@(ggml_os_defines)',
      # Q4_0 weights repacked at load time (GGML_CPU_REPACK, on by default).
      'GGML_USE_CPU_REPACK',
      '<@(cpu_arch_defines)',
      '<@(cpu_os_defines)',
    ],
    'ggml_cpu_cflags': ['<@(cpu_arch_flags)'],
    'cpu_arch_dir': '<(cpu_arch_dir)',
  },

  'target_defaults': {
    # CMake's Release configuration; node-gyp's adds only -O3, and without
    # NDEBUG every assert() in whisper.cpp and ggml would stay in. Node's
    # -fno-omit-frame-pointer goes, so the code matches CMake's instruction
    # for instruction.
    'defines': ['NDEBUG'],
    'cflags': ['-fPIC', '-fvisibility=hidden'],
    'cflags!': ['-fno-omit-frame-pointer'],
    # ISO C++17, as CMake compiles every target (CMAKE_CXX_EXTENSIONS OFF),
    # instead of node-gyp's gnu++17, which compiles some of whisper.cpp and
    # gguf.cpp differently. C is gnu11 in both builds. RTTI and exceptions
    # stay on, as in CMake: whisper.cpp and ggml throw and catch internally,
    # and the addon uses node-addon-api's C++ exceptions (NAPI_CPP_EXCEPTIONS).
    'cflags_c': ['-std=gnu11'],
    'cflags_cc': ['-std=c++17', '-fvisibility-inlines-hidden'],
    'cflags_cc!': ['-std=gnu++17', '-fno-rtti', '-fno-exceptions'],
    'xcode_settings': {
      'GCC_C_LANGUAGE_STANDARD': 'gnu11',
      'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
      'CLANG_CXX_LIBRARY': 'libc++',
      'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
      'GCC_ENABLE_CPP_RTTI': 'YES',
      'GCC_SYMBOLS_PRIVATE_EXTERN': 'YES',
      'GCC_INLINES_ARE_PRIVATE_EXTERN': 'YES',
      'MACOSX_DEPLOYMENT_TARGET': '11.0',
    },
    # Windows has not been tried; these are the MSVC settings of ggml's CMake.
    'msvs_settings': {
      'VCCLCompilerTool': {
        'ExceptionHandling': 1,
        'RuntimeTypeInfo': 'true',
        'AdditionalOptions': ['/utf-8', '/bigobj'],
      },
    },
    'conditions': [
      ['OS=="win"', {'defines': ['_HAS_EXCEPTIONS=1']}],
    ],
  },

  # ggml names some C and C++ files alike: ggml.c and ggml.cpp, ggml-cpu.c
  # and ggml-cpu.cpp. gyp's make generator names an object after its
  # source's path without the extension, so both would become one .o, built
  # from whichever of the two its pattern rules happen to list first (the
  # order changes from run to run). So each such pair is copied into the
  # target's intermediate folder, one file per subfolder, and compiled from
  # there. No header name occurs twice among ggml's include folders, so their
  # quoted includes find the same headers; only __FILE__ in assertion
  # messages changes.
  'targets': [
    # ggml/src/CMakeLists.txt: ggml-base, the tensor library.
    {
      'target_name': 'ggml_base',
      'type': 'static_library',
      # Third-party code: CMake compiles it without the project's warnings.
      'cflags!': ['-Wall', '-Wextra'],
      'include_dirs': ['<(ggml_dir)/src', '<(ggml_dir)/include'],
      'defines': ['<@(ggml_base_defines)'],
      'copies': [
        {'destination': '<(INTERMEDIATE_DIR)/c', 'files': ['<(ggml_dir)/src/ggml.c']},
        {'destination': '<(INTERMEDIATE_DIR)/cpp', 'files': ['<(ggml_dir)/src/ggml.cpp']},
      ],
      'sources': [
        '<(INTERMEDIATE_DIR)/c/ggml.c',
        '<(INTERMEDIATE_DIR)/cpp/ggml.cpp',
        '<(ggml_dir)/src/ggml-alloc.c',
        '<(ggml_dir)/src/ggml-backend.cpp',
        '<(ggml_dir)/src/ggml-backend-meta.cpp',
        '<(ggml_dir)/src/ggml-opt.cpp',
        '<(ggml_dir)/src/ggml-threading.cpp',
        '<(ggml_dir)/src/ggml-quants.c',
        '<(ggml_dir)/src/gguf.cpp',
      ],
      'link_settings': {
        'conditions': [
          ['OS!="win"', {'libraries': ['-lm']}],
        ],
      },
    },

    # ggml/src/ggml-cpu/CMakeLists.txt: ggml-cpu, the CPU backend, the only
    # library built with instruction-set flags. Given to ggml-base too, they
    # would let the compiler fuse float operations there, and the results
    # would drift from the CMake build's.
    {
      'target_name': 'ggml_cpu',
      'type': 'static_library',
      'dependencies': ['ggml_base'],
      'cflags!': ['-Wall', '-Wextra'],
      'cflags': ['<@(ggml_cpu_cflags)'],
      'xcode_settings': {'OTHER_CFLAGS': ['<@(ggml_cpu_cflags)']},
      'msvs_settings': {'VCCLCompilerTool': {'AdditionalOptions': ['<@(ggml_cpu_cflags)']}},
      'include_dirs': [
        '<(ggml_dir)',
        '<(ggml_dir)/src',
        '<(ggml_dir)/src/ggml-cpu',
        '<(ggml_dir)/include',
      ],
      'defines': ['<@(ggml_cpu_defines)'],
      'copies': [
        {'destination': '<(INTERMEDIATE_DIR)/c', 'files': ['<(ggml_dir)/src/ggml-cpu/ggml-cpu.c']},
        {
          'destination': '<(INTERMEDIATE_DIR)/cpp',
          'files': ['<(ggml_dir)/src/ggml-cpu/ggml-cpu.cpp'],
        },
      ],
      'sources': [
        '<(INTERMEDIATE_DIR)/c/ggml-cpu.c',
        '<(INTERMEDIATE_DIR)/cpp/ggml-cpu.cpp',
        '<(ggml_dir)/src/ggml-cpu/repack.cpp',
        '<(ggml_dir)/src/ggml-cpu/hbm.cpp',
        '<(ggml_dir)/src/ggml-cpu/quants.c',
        '<(ggml_dir)/src/ggml-cpu/traits.cpp',
        '<(ggml_dir)/src/ggml-cpu/amx/amx.cpp',
        '<(ggml_dir)/src/ggml-cpu/amx/mmq.cpp',
        '<(ggml_dir)/src/ggml-cpu/binary-ops.cpp',
        '<(ggml_dir)/src/ggml-cpu/unary-ops.cpp',
        '<(ggml_dir)/src/ggml-cpu/vec.cpp',
        '<(ggml_dir)/src/ggml-cpu/ops.cpp',
      ],
      'conditions': [
        # The architecture's own kernels (x86: arch/x86, arm64: arch/arm).
        ['cpu_arch_dir!=""', {
          'sources': [
            '<(ggml_dir)/src/ggml-cpu/arch/<(cpu_arch_dir)/quants.c',
            '<(ggml_dir)/src/ggml-cpu/arch/<(cpu_arch_dir)/repack.cpp',
          ],
        }],
        ['OS=="mac"', {
          'link_settings': {'libraries': ['-framework Accelerate']},
        }],
      ],
    },

    # ggml/src/CMakeLists.txt: ggml, the backend registry. GGML_USE_CPU makes
    # it register the CPU backend; no backend is loaded from shared libraries
    # (GGML_BACKEND_DL off).
    {
      'target_name': 'ggml',
      'type': 'static_library',
      'dependencies': ['ggml_base', 'ggml_cpu'],
      'cflags!': ['-Wall', '-Wextra'],
      'include_dirs': ['<(ggml_dir)/include'],
      'defines': ['<@(ggml_defines)', 'GGML_USE_CPU'],
      'sources': [
        '<(ggml_dir)/src/ggml-backend-dl.cpp',
        '<(ggml_dir)/src/ggml-backend-reg.cpp',
      ],
      # ggml's public interface, as CMake passes it on to what links ggml.
      'direct_dependent_settings': {
        'include_dirs': ['<(ggml_dir)/include'],
        'defines': ['GGML_USE_CPU'],
      },
      'link_settings': {
        'conditions': [
          ['OS!="win"', {'libraries': ['-ldl']}],
        ],
      },
    },

    # src/CMakeLists.txt: whisper (the addon does not use parakeet).
    {
      'target_name': 'whisper',
      'type': 'static_library',
      'dependencies': ['ggml'],
      'export_dependent_settings': ['ggml'],
      'cflags!': ['-Wall', '-Wextra'],
      'include_dirs': ['<(whisper_dir)/src', '<(whisper_dir)/include'],
      'defines': ['WHISPER_VERSION="<(whisper_version)"'],
      'sources': ['<(whisper_dir)/src/whisper.cpp'],
      'direct_dependent_settings': {
        'include_dirs': ['<(whisper_dir)/src', '<(whisper_dir)/include'],
      },
    },

    # CMakeLists.txt: the addon, with the project's warnings on.
    {
      'target_name': 'asr_engine',
      'type': 'loadable_module',
      'dependencies': ['whisper'],
      'include_dirs': [
        '<(napi_dir)',
        # miniaudio.h, compiled by native/miniaudio.cc.
        '<(whisper_dir)/examples',
      ],
      'defines': [
        'NAPI_VERSION=9',
        'NAPI_CPP_EXCEPTIONS',
        'NODE_ADDON_API_DISABLE_DEPRECATED',
        'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
        'ASR_BACKEND_NAME="cpu"',
        'ASR_WHISPER_EXPECTED_VERSION="<(whisper_version)"',
      ],
      'sources': [
        'native/addon.cc',
        'native/audio.cc',
        'native/decode_audio_job.cc',
        'native/errors.cc',
        'native/load_job.cc',
        'native/log_bridge.cc',
        'native/miniaudio.cc',
        'native/model_core.cc',
        'native/model_file.cc',
        'native/native_job.cc',
        'native/native_model.cc',
        'native/options.cc',
        'native/transcribe_job.cc',
        'native/vad.cc',
        'native/vad_model_file.cc',
      ],
    },
  ],
}
