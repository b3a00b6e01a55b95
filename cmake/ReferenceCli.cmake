# whisper.cpp's command-line program as a test-only target, linked against the
# same static whisper and ggml libraries as the addon. Excluded from the
# default build: 'npm run build:reference-cli' builds it on demand.
function(asr_add_reference_cli source_dir)
  set(examples "${source_dir}/examples")

  add_library(asr_reference_common STATIC EXCLUDE_FROM_ALL
    "${examples}/common.cpp"
    "${examples}/common-ggml.cpp"
    "${examples}/common-whisper.cpp"
    "${examples}/grammar-parser.cpp")
  target_include_directories(asr_reference_common PUBLIC "${examples}")
  target_link_libraries(asr_reference_common PUBLIC whisper)

  add_executable(whisper-cli EXCLUDE_FROM_ALL "${examples}/cli/cli.cpp")
  target_link_libraries(whisper-cli PRIVATE asr_reference_common)
  set_target_properties(whisper-cli PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/reference")
endfunction()
