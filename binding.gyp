# node-gyp build of the asr_engine addon: the CPU backend only, for hosts
# without CMake ('npm run build:gyp', or scripts/build-native.mjs when cmake is
# missing). Output: build/Release/asr_engine.node, which src/engine/binding.ts
# tries after the CMake builds.
#
# CMakeLists.txt stays the main build. This file mirrors what its CPU
# configuration compiles: whisper.cpp and ggml linked in statically, the
# portable x86-64-v3 baseline, no OpenMP, no llamafile, no dynamic backend
# loading. The targets below are CMake's targets, with the same sources,
# definitions, flags and language modes, so both builds compute the same
# numbers (test/native/gyp-smoke.test.ts checks that). When the pinned
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

      # Definitions CMake sets for everything under ggml/src: POSIX and
      # GNU/Darwin extensions, the scheduler's copy count.
      'ggml_common_defines': ['GGML_SCHED_MAX_COPIES=4', '_XOPEN_SOURCE=600'],
      'conditions': [
        ['OS=="linux"', {'ggml_os_defines': ['_GNU_SOURCE']}],
        ['OS=="mac"', {'ggml_os_defines': ['_DARWIN_C_SOURCE']}],
        ['OS=="win"', {'ggml_os_defines': ['_CRT_SECURE_NO_WARNINGS']}],
        ['OS!="linux" and OS!="mac" and OS!="win"', {'ggml_os_defines': []}],
      ],
    },
    'whisper_dir%': '<(whisper_dir)',
    'ggml_dir%': '<(whisper_dir)/ggml',
    'napi_dir%': '<(napi_dir)',

    # The versions CMake writes into the same definitions (whisper.cpp's and
    # ggml's project versions; the commit is unknown outside a git checkout).
    'whisper_version': '1.9.1',
    'ggml_version': '0.15.1',

    'ggml_defines': ['<@(ggml_common_defines)', '<@(ggml_os_defines)'],
    'ggml_base_defines': [
      '<@(ggml_common_defines)',
      '<@(ggml_os_defines)',
      'GGML_VERSION="<(ggml_version)"',
      'GGML_COMMIT="unknown"',
    ],

    # x86-64-v3 (AVX2, FMA, F16C, BMI2): the portable baseline of
    # cmake/Backend.cmake, so the binary runs on any x86-64 server of the
    # last decade. Only ggml_cpu gets these, as only ggml-cpu does in CMake:
    # with them on ggml-base, the compiler would fuse float operations there
    # and the results would drift from the CMake build's.
    'x86_arch_flags': ['-msse4.2', '-mf16c', '-mfma', '-mbmi2', '-mavx', '-mavx2'],
    'x86_arch_defines': [
      'GGML_SSE42', 'GGML_F16C', 'GGML_FMA', 'GGML_BMI2', 'GGML_AVX', 'GGML_AVX2',
    ],
  },

  'target_defaults': {
    # CMake's Release configuration; node-gyp's adds only -O3, and without
    # NDEBUG every assert() in whisper.cpp and ggml would stay in.
    'defines': ['NDEBUG'],
    'cflags': ['-fPIC', '-fvisibility=hidden'],
    # ISO C++17, as CMake compiles every target (CMAKE_CXX_EXTENSIONS OFF),
    # instead of node-gyp's gnu++17: in GNU mode GCC contracts a * b + c into
    # FMA instructions (-ffp-contract=fast), which changes float results. C
    # is gnu11 in both builds. RTTI and exceptions stay on, as in CMake:
    # whisper.cpp and ggml throw and catch internally, and the addon uses
    # node-addon-api's C++ exceptions (NAPI_CPP_EXCEPTIONS).
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
    # Windows: not tried; what whisper.cpp's CMake sets for MSVC.
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

  'targets': [
    # ggml/src/CMakeLists.txt: ggml-base, the tensor library. Split in two
    # targets only because gyp's make generator names objects after the
    # source's base name: ggml.c and ggml.cpp would both become ggml.o.
    {
      'target_name': 'ggml_base',
      'type': 'static_library',
      'dependencies': ['ggml_base_cxx'],
      # Third-party code: CMake compiles it without the project's warnings.
      'cflags!': ['-Wall', '-Wextra'],
      'include_dirs': ['<(ggml_dir)/src', '<(ggml_dir)/include'],
      'defines': ['<@(ggml_base_defines)'],
      'sources': [
        '<(ggml_dir)/src/ggml.c',
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
    {
      'target_name': 'ggml_base_cxx',
      'type': 'static_library',
      'cflags!': ['-Wall', '-Wextra'],
      'include_dirs': ['<(ggml_dir)/src', '<(ggml_dir)/include'],
      'defines': ['<@(ggml_base_defines)'],
      'sources': ['<(ggml_dir)/src/ggml.cpp'],
    },

    # ggml/src/ggml-cpu/CMakeLists.txt: ggml-cpu, the CPU backend, the one
    # target built with instruction-set flags.
    {
      'target_name': 'ggml_cpu',
      'type': 'static_library',
      'dependencies': ['ggml_base'],
      'cflags!': ['-Wall', '-Wextra'],
      'include_dirs': [
        '<(ggml_dir)',
        '<(ggml_dir)/src',
        '<(ggml_dir)/src/ggml-cpu',
        '<(ggml_dir)/include',
      ],
      'defines': [
        '<@(ggml_defines)',
        # Q4_0 weights repacked at load time (GGML_CPU_REPACK, on by default).
        'GGML_USE_CPU_REPACK',
      ],
      'sources': [
        '<(ggml_dir)/src/ggml-cpu/ggml-cpu.c',
        '<(ggml_dir)/src/ggml-cpu/ggml-cpu.cpp',
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
        ['target_arch=="x64"', {
          'sources': [
            '<(ggml_dir)/src/ggml-cpu/arch/x86/quants.c',
            '<(ggml_dir)/src/ggml-cpu/arch/x86/repack.cpp',
          ],
        }],
        ['target_arch=="x64" and OS!="win"', {
          'defines': ['<@(x86_arch_defines)'],
          'cflags': ['<@(x86_arch_flags)'],
          'xcode_settings': {'OTHER_CFLAGS': ['<@(x86_arch_flags)']},
        }],
        ['target_arch=="x64" and OS=="win"', {
          # ggml's CMake for MSVC with AVX2 and BMI2 on: /arch:AVX2, and the
          # definitions MSVC does not set itself.
          'defines': ['GGML_AVX2', 'GGML_FMA', 'GGML_F16C', '__BMI2__', 'GGML_BMI2'],
          'msvs_settings': {
            'VCCLCompilerTool': {'EnableEnhancedInstructionSet': 5},
          },
        }],
        ['target_arch=="arm64"', {
          # No -march: the plain armv8-a baseline, as CMake without ASR_NATIVE.
          'sources': [
            '<(ggml_dir)/src/ggml-cpu/arch/arm/quants.c',
            '<(ggml_dir)/src/ggml-cpu/arch/arm/repack.cpp',
          ],
        }],
        ['OS=="mac"', {
          # GGML_ACCELERATE is on by default in ggml's CMake on macOS.
          'defines': [
            'GGML_USE_ACCELERATE',
            'ACCELERATE_NEW_LAPACK',
            'ACCELERATE_LAPACK_ILP64',
          ],
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
      # ggml's public interface, as CMake passes it on to whatever links ggml.
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

    # src/CMakeLists.txt: whisper (parakeet is not used by the addon).
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

    # CMakeLists.txt: the addon, with its sources, definitions and warnings.
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
      ],
    },
  ],
}
