# Thin wrapper over scripts/setup.sh, CMake and CTest (as DuckDB's Makefile is).
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup build demo test bench fuzz clean

all: build

setup:
	@scripts/setup.sh

$(BUILD_DIR)/CMakeCache.txt:
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null

build: setup $(BUILD_DIR)/CMakeCache.txt
	@cmake --build $(BUILD_DIR) -j $(JOBS) -- --no-print-directory

# The demo persists its history in a throwaway PostgreSQL (scripts/pg_temp.sh: Debian's server,
# a temporary directory, a loopback port; removed afterwards).
demo: build
	@scripts/pg_temp.sh run $(BUILD_DIR)/spotstream demo --set postgres.enabled=true

# SANITIZE picks the sanitizer stages that follow the tests (scripts/sanitize.sh; tests/README.md
# "Sanitizers"): asan (ASan + UBSan) and tsan, both by default. SANITIZE= skips them,
# SANITIZE=tsan runs one.
SANITIZE ?= asan tsan
test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	@$(if $(strip $(SANITIZE)),JOBS=$(JOBS) scripts/sanitize.sh $(SANITIZE))

# Benchmarks (bench/README.md): a Release build of its own, then every row of bench/run.py; the
# table is printed and written to bench/RESULTS.md. BENCH_ARGS passes options (e.g. --rows 1,2).
RELEASE_DIR ?= build-release
BENCH_ARGS ?=
bench: setup
	@cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(RELEASE_DIR) -j $(JOBS) --target spotstream bench_programs -- --no-print-directory
	@python3 bench/run.py --build $(RELEASE_DIR) $(BENCH_ARGS)

# libFuzzer over every decoder and parser (fuzz/README.md): a clang build with ASan + UBSan in its
# own directory, then each target for FUZZ_SECONDS (FUZZ_TARGETS="prices signals" picks some).
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: setup
	@cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_CXX_COMPILER=clang++ -DSPOTSTREAM_FUZZ=ON -DCMAKE_UNITY_BUILD=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzz_targets -- --no-print-directory
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run_fuzzers.sh $(FUZZ_BUILD_DIR) $(FUZZ_TARGETS)

clean:
	@rm -rf $(BUILD_DIR) $(RELEASE_DIR) $(FUZZ_BUILD_DIR) build-asan build-tsan
