# Instrumented builds. Each goes in its own build directory (scripts/sanitize.sh, `make fuzz`):
#   -DSPOTSTREAM_SANITIZE=address,undefined   AddressSanitizer + UndefinedBehaviorSanitizer
#   -DSPOTSTREAM_SANITIZE=thread              ThreadSanitizer
#   -DSPOTSTREAM_FUZZ=ON (clang)              libFuzzer targets (fuzz/), with ASan + UBSan
# Every finding aborts (no recovery), so a test that trips one fails. jemalloc is off: the
# sanitizers bring their own allocator. Asserts stay on (no NDEBUG).
set(SPOTSTREAM_SANITIZE "" CACHE STRING "Sanitizers to build with: address,undefined or thread")
option(SPOTSTREAM_FUZZ "Build the libFuzzer targets in fuzz/ (needs clang)" OFF)

set(spotstream_instrument "")
if(SPOTSTREAM_SANITIZE)
  set(spotstream_instrument ${SPOTSTREAM_SANITIZE})
endif()
if(SPOTSTREAM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SPOTSTREAM_FUZZ needs clang: cmake -DCMAKE_CXX_COMPILER=clang++ (make fuzz does this)")
  endif()
  set(spotstream_instrument address,undefined)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(spotstream_instrument)
  # -O1 with line tables: quicker to build than -O2 -g, and reports still name file and line.
  set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O1 -g1")
  add_compile_options(-fsanitize=${spotstream_instrument} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${spotstream_instrument})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC's flow analysis under sanitizers warns about libstdc++'s own <regex> and <functional>.
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
  set(SPOTSTREAM_JEMALLOC OFF CACHE BOOL "" FORCE)
endif()
# Linked into each program of a TSan build: librdkafka's C11 threads made known to TSan.
set(SPOTSTREAM_TSAN_SUPPORT "")
if(SPOTSTREAM_SANITIZE MATCHES "thread")
  set(SPOTSTREAM_TSAN_SUPPORT ${PROJECT_SOURCE_DIR}/tests/support/tsan_c11_threads.cpp)
endif()
