# Cella build. `make` builds build/cella; `make test` builds it twice (plain
# and ASan+UBSan) and runs every test against each; `make guest` prepares
# the default guest in guest/out/; `make run` boots it to a shell.
CC      ?= cc
BUILD   ?= build
SAN     ?= 0
PYTHON  ?= /usr/bin/python3

CFLAGS_COMMON = -std=gnu11 -Wall -Wextra -Werror -g -pthread -Isrc \
                -D_GNU_SOURCE -MMD -MP $(shell pkg-config --cflags slirp)
ifeq ($(SAN),1)
CFLAGS_OPT = -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
             -fno-omit-frame-pointer
else
CFLAGS_OPT = -O2
endif
CFLAGS += $(CFLAGS_COMMON) $(CFLAGS_OPT)
LDLIBS  = -lfdt -lm -pthread $(shell pkg-config --libs slirp)

SRCS     := $(shell find src -name '*.c' | sort)
OBJS     := $(SRCS:%.c=$(BUILD)/obj/%.o)
LIB_OBJS := $(filter-out $(BUILD)/obj/src/main.o,$(OBJS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

RV_CC    = riscv64-unknown-elf-gcc
ISA_SRCS := $(sort $(wildcard tests/isa/*.S))
ISA_ELFS := $(ISA_SRCS:tests/isa/%.S=build/isa/%.elf)

.PHONY: all san test test-one guest run clean
all: $(BUILD)/cella

$(BUILD)/cella: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS) -lcmocka

build/isa/%.elf: tests/isa/%.S $(wildcard tests/isa/*.h) tests/isa/link.ld
	@mkdir -p $(dir $@)
	$(RV_CC) -march=rv64gc_zba_zbb_zbs -mabi=lp64d -nostdlib -nostartfiles \
	    -Itests/isa -T tests/isa/link.ld -o $@ $<

san:
	$(MAKE) BUILD=build-san SAN=1 all

# Everything one build needs for its tests.
test-one: $(BUILD)/cella $(UNIT_BINS) $(ISA_ELFS)
	tests/run.sh $(BUILD)

test:
	$(MAKE) BUILD=build SAN=0 test-one
	$(MAKE) BUILD=build-san SAN=1 test-one

guest:
	guest/make-guest.sh guest/out

# Build, prepare the default guest, and boot it to a shell.
run: $(BUILD)/cella guest
	$(BUILD)/cella vm run

clean:
	rm -rf build build-san

-include $(OBJS:.o=.d)
