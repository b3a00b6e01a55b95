# Checks that WHISPER_SOURCE_DIR holds the whisper.cpp release this project
# was written against. A different release may build and still behave
# differently, so a mismatch stops the build instead of going unnoticed.
function(asr_check_whisper_source source_dir expected_version)
  if(NOT source_dir OR NOT EXISTS "${source_dir}/CMakeLists.txt")
    message(FATAL_ERROR
      "WHISPER_SOURCE_DIR='${source_dir}' is not a whisper.cpp tree. "
      "Build through 'npm run build:native', which finds the tree in the "
      "pinned nodejs-whisper package.")
  endif()

  file(STRINGS "${source_dir}/CMakeLists.txt" project_lines
    REGEX "^project\\(\"whisper\\.cpp\" VERSION [0-9.]+\\)")
  string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" found_version "${project_lines}")

  if(NOT found_version STREQUAL expected_version)
    message(FATAL_ERROR
      "whisper.cpp in ${source_dir} is version '${found_version}', this "
      "project expects ${expected_version}. Reinstall with 'npm ci' so the "
      "lockfile's pinned source package is used.")
  endif()

  message(STATUS "asr: whisper.cpp ${found_version} from ${source_dir}")
endfunction()
