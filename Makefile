# Thin wrapper over scripts/setup.sh, CMake and CTest (as DuckDB's Makefile is).
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup build demo test bench clean

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

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	@for b in $(BUILD_DIR)/bench/bench_*; do echo "== $$b"; $$b; done

clean:
	@rm -rf $(BUILD_DIR)
