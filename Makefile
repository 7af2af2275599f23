# Cella build. `make` builds build/cella; `make test` builds it twice (plain
# and ASan+UBSan), runs every test against each, then fuzzes briefly (`make
# fuzz-run`, fuzz/README.md); `make guest` prepares the default guest in
# guest/out/; `make run` boots it to a shell. `make run` and `make test`
# first install the Debian packages they need (tools/deps.sh; as non-root
# it prints the apt-get line instead and stops).
CC      ?= cc
BUILD   ?= build
SAN     ?= 0
PYTHON  ?= /usr/bin/python3

CFLAGS_COMMON = -std=gnu11 -Wall -Wextra -Werror -g -pthread -Isrc \
                -D_GNU_SOURCE -MMD -MP $(shell pkg-config --cflags slirp json-c)
ifeq ($(SAN),1)
CFLAGS_OPT = -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
             -fno-omit-frame-pointer
else
CFLAGS_OPT = -O2
endif
CFLAGS += $(CFLAGS_COMMON) $(CFLAGS_OPT)
# The five small libraries are linked from Debian's static archives (in
# their -dev packages): each shared one costs every start of cella, and so
# every container start, its loading (about 0.06 ms; bench/ct-start).
# libslirp and libmicrohttpd (whose build needs GnuTLS, which has no
# static archive) are loaded with dlopen when a VM asks for user
# networking or for --api.
LDLIBS  = -Wl,-Bstatic -lfdt -ljson-c -lseccomp -lcap -lz -Wl,-Bdynamic -lm -pthread

SRCS     := $(shell find src -name '*.c' | sort)
OBJS     := $(SRCS:%.c=$(BUILD)/obj/%.o)
LIB_OBJS := $(filter-out $(BUILD)/obj/src/main.o,$(OBJS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

# The fuzz targets: clang with libFuzzer, every object built again in
# FUZZ_BUILD with coverage and ASan+UBSan.
FUZZ_CC     = clang
FUZZ_BUILD  = build-fuzz
FUZZ_CFLAGS = $(CFLAGS_COMMON) -O1 -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_OBJS  := $(filter-out $(FUZZ_BUILD)/obj/src/main.o,$(SRCS:%.c=$(FUZZ_BUILD)/obj/%.o))
FUZZ_BINS  := $(patsubst fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard fuzz/fuzz_*.c))
# What `make fuzz-run` runs: fuzz/fuzz_NAME.c over fuzz/corpus/NAME, with
# FUZZ_FLAGS_NAME: those whose inputs make the code under test warn on
# stderr close it (sanitizer reports still appear).
FUZZ_TARGETS = virtio state hart_state virtio_state snapshot api migrate
FUZZ_FLAGS_virtio = -close_fd_mask=2
FUZZ_FLAGS_hart_state = -close_fd_mask=2
FUZZ_FLAGS_virtio_state = -close_fd_mask=2
# A bounded run of each for `make test`;
# `make fuzz-run FUZZ_ARGS=-max_total_time=600` runs longer.
FUZZ_ARGS   = -runs=$(FUZZ_RUNS) -max_total_time=40
FUZZ_RUNS   = 1000000

RV_CC    = riscv64-unknown-elf-gcc
ISA_SRCS := $(sort $(wildcard tests/isa/*.S))
ISA_ELFS := $(ISA_SRCS:tests/isa/%.S=build/isa/%.elf)

.PHONY: all san test test-one fuzz fuzz-run guest run deps-run deps-test clean
all: $(BUILD)/cella $(BUILD)/cella-oci

$(BUILD)/cella: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# podman and containerd call the runtime binary by path: cella-oci is cella
# dispatching on its own name.
$(BUILD)/cella-oci: $(BUILD)/cella
	ln -sf cella $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS) -lcmocka

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BINS): $(FUZZ_BUILD)/%: fuzz/%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(LDLIBS)

# The static program the OCI end-to-end tests run inside containers.
$(BUILD)/cthelper: tests/oci/cthelper.c
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -std=gnu11 -Wall -Wextra -Werror -o $@ $<

build/isa/%.elf: tests/isa/%.S $(wildcard tests/isa/*.h) tests/isa/link.ld
	@mkdir -p $(dir $@)
	$(RV_CC) -march=rv64gc_zba_zbb_zbs -mabi=lp64d -nostdlib -nostartfiles \
	    -Itests/isa -T tests/isa/link.ld -o $@ $<

san:
	$(MAKE) BUILD=build-san SAN=1 all

# Everything one build needs for its tests.
test-one: $(BUILD)/cella $(BUILD)/cella-oci $(BUILD)/cthelper $(UNIT_BINS) $(ISA_ELFS)
	tests/run.sh $(BUILD)

deps-run:
	tools/deps.sh run

deps-test:
	tools/deps.sh test

# The packages come first, in a make of their own: pkg-config's flags are
# read when the build starts.
test: deps-test
	$(MAKE) BUILD=build SAN=0 test-one
	$(MAKE) BUILD=build-san SAN=1 test-one
	$(MAKE) fuzz-run

fuzz: $(FUZZ_BINS)

# Each over its saved corpus (read only: new finds go to a scratch
# directory, $(FUZZ_BUILD)/new/NAME, crashes to $(FUZZ_BUILD)/NAME-crash-*).
fuzz-run: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
	rm -rf $(FUZZ_BUILD)/new
	$(foreach t,$(FUZZ_TARGETS),mkdir -p $(FUZZ_BUILD)/new/$(t) && \
	    $(FUZZ_BUILD)/fuzz_$(t) $(FUZZ_ARGS) -timeout=5 $(FUZZ_FLAGS_$(t)) \
	    -artifact_prefix=$(FUZZ_BUILD)/$(t)- $(FUZZ_BUILD)/new/$(t) \
	    fuzz/corpus/$(t) && ) true

guest:
	guest/make-guest.sh guest/out

# Build, prepare the default guest, and boot it to a shell.
run: deps-run
	$(MAKE) $(BUILD)/cella guest
	$(BUILD)/cella vm run

clean:
	rm -rf build build-san $(FUZZ_BUILD)

-include $(OBJS:.o=.d) $(FUZZ_OBJS:.o=.d) $(FUZZ_BINS:=.d)
