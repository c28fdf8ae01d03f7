# bitswitch: the two commands are `make demo` and `make test`. Every target installs what is missing first
# (scripts/install-deps.sh is idempotent and quick when everything is there).
BUILD_DIR ?= build
JOBS      ?= $(shell nproc)
MAKEFLAGS += --no-print-directory
CMAKE_FLAGS ?=
# Ninja, not Make: CMake's Makefile generator lists every source's precompiled-header flags in one file that
# every object depends on, so adding a source file rebuilds the whole library (~25 min on 2 cores); Ninja
# tracks each object's command. A folder configured before keeps its generator (CMake refuses to switch).
GENERATOR := $(if $(wildcard $(BUILD_DIR)/CMakeCache.txt),,-G Ninja)

.PHONY: all deps configure build test test-sanitize demo bench clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) > $(BUILD_DIR).configure.log 2>&1 \
		|| (cat $(BUILD_DIR).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The suite under AddressSanitizer + UndefinedBehaviorSanitizer, in its own folder (about an hour to build
# on 2 cores; docs/RELIABILITY.md).
test-sanitize: deps
	@bash scripts/sanitize/run_tests.sh $(BUILD_DIR)-sanitize

demo: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target bitswitch
	@bash scripts/demo.sh $(BUILD_DIR)/bitswitch

bench: build
	@bash scripts/install-deps.sh --bench
	@bash bench/run_all.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log $(BUILD_DIR)-sanitize $(BUILD_DIR)-sanitize.configure.log
