# Unity builds (-DCMAKE_UNITY_BUILD=ON): each target compiles its sources in batches, one
# translation unit per batch, so the heavy headers (GoogleTest, simdjson, spdlog, nlohmann-json) are
# parsed once per batch instead of once per file. scripts/sanitize.sh builds the instrumented
# trees this way, from scratch each time; the default build keeps one unit per file, which is
# quicker to rebuild after an edit.
# A file whose internal names would meet another file's in one batch is left out of the batches.
# spotstream_unity_exclude(<file>...) names them, relative to the source directory that calls it.
function(spotstream_unity_exclude)
  set_source_files_properties(${ARGN} DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
    PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
endfunction()

if(CMAKE_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC takes the sources a batch includes for headers, and warns about every test fixture in an
  # anonymous namespace (-Wsubobject-linkage) as if a header declared it.
  add_compile_options(-Wno-subobject-linkage)
endif()
