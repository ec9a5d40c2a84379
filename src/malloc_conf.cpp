// jemalloc's compiled-in options, linked into every program (CMakeLists.txt; only with jemalloc).
// No dedicated arena for allocations over 8 MiB: jemalloc gives their memory back at once, and
// librdkafka allocates each fetch response (up to fetch.max.bytes) afresh, so every fetch faulted
// in and zeroed new pages; in the regular arenas freed memory is reused and decays back to the
// system over seconds. Transparent huge pages are left to the system's setting: asked for, they
// made memory that is freed and taken again cost a fresh 2 MiB page zeroed each time, in a VM
// far dearer than the faults of 4 KiB pages they save (docs/scaling-and-delivery.md). MALLOC_CONF
// in the environment overrides this (e.g. MALLOC_CONF=thp:always).
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "oversize_threshold:0";
}
