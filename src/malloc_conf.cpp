// jemalloc's compiled-in options, linked into every program (CMakeLists.txt; only with jemalloc).
// Transparent huge pages for jemalloc's memory: this machine's kernel gives them only on request
// (THP "madvise"), and each first touch of a 4 KiB page is a fault that is costly in a VM, while
// bulk work (file replays, backtests, warm starts) touches a lot of fresh memory
// (docs/scaling-and-delivery.md has the measurements). No dedicated arena for allocations over
// 8 MiB: jemalloc gives their memory back at once, and librdkafka allocates each fetch response
// (up to fetch.max.bytes) afresh, so every fetch faulted in and zeroed new pages; in the regular
// arenas freed memory is reused and decays back to the system over seconds. MALLOC_CONF in the
// environment overrides this (e.g. MALLOC_CONF=thp:never).
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:always,oversize_threshold:0";
}
