# SPDX-License-Identifier: BSD-2-Clause
# A thin wrapper around CMake + Ninja. The README's Quick start is `make run` and `make check`.
BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
CMAKE_FLAGS ?=

.PHONY: all run check deps build install bench clean

all: build

# Installs what is missing from scripts/debian-deps ("build" lines): with apt-get when
# root, otherwise prints the exact command and stops.
deps:
	@missing=$$(awk '$$1=="build"{print $$2}' scripts/debian-deps | while read p; do \
	    dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'ok installed' || echo "$$p"; done); \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then \
	        echo "installing: $$missing"; \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	    else \
	        echo "missing build dependencies; run:"; \
	        echo "  sudo apt-get install $$(echo $$missing)"; \
	        exit 1; \
	    fi; \
	fi

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD)

run: build
	./$(BUILD)/tools/portkit/portkit 721

check: build
	cd $(BUILD) && ctest --output-on-failure

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	bench/run-all $(BUILD)

clean:
	rm -rf $(BUILD)
