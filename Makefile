# postern — build, test, demo.
#   make            build ./postern
#   make check      every test, plain, under ASan+UBSan and (threaded ones) TSan; ends with "N passed, N failed" (", N skipped" when a check could not run here)
#   make demo       install missing packages, build, run `postern detect` on examples/
#   make fuzz       build the libFuzzer targets (clang)
#   make fuzz-long  run each fuzz target for 10M executions or 1 h (FUZZ_RUNS, FUZZ_TIME, FUZZ_TARGET)
#   make bench      postern against DuckDB on generated data (bench/README.md)
#   make bench-readers  MB/s of every log reader on generated data (bench/README.md)
#   make bench-sensor  the live sensor's CPU and event loss under loopback load (root)
#   make deps       install the Debian packages the build needs

CC      ?= cc
PKGS    := libpcre2-8 zlib libdeflate libzstd yaml-0.1 libmaxminddb libcrypto libzip
WARN    := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wundef -Wwrite-strings -Wpointer-arith -Wcast-qual -Wvla -Werror
CFLAGS  ?= -O2 -g
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -MMD -MP
# libzip and libcrypto are not linked: lazylib.c loads them on first use.
LIBS    := -lpcre2-8 -lz -ldeflate -lzstd -lyaml -lmaxminddb -lm -lpthread -ldl
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# ThreadSanitizer (build/postern-tsan): the threaded tests of tests/tsan.lst and tests/jn_compare.sh.
TSAN    := -fsanitize=thread -fno-omit-frame-pointer

SRC     := $(wildcard src/*.c)
LIBSRC  := $(filter-out src/main.c,$(SRC))
RULES   := $(sort $(wildcard rules/*.yml))
# The shipped rules, compiled in (build/rules_builtin.c, generated).
# The records `postern validate` replays (build/validate_data.c, generated).
VDATA   := validate_test1_xml=rules/validation/t1071.003-test1-powershell-smtp.xml
OBJ     := $(SRC:src/%.c=build/%.o) build/rules_builtin.o build/validate_data.o
LIBOBJ  := $(LIBSRC:src/%.c=build/%.o) build/rules_builtin.o build/validate_data.o
SOBJ    := $(SRC:src/%.c=build/san/%.o) build/san/rules_builtin.o build/san/validate_data.o
SLIBOBJ := $(LIBSRC:src/%.c=build/san/%.o) build/san/rules_builtin.o build/san/validate_data.o
TOBJ    := $(SRC:src/%.c=build/tsan/%.o) build/tsan/rules_builtin.o build/tsan/validate_data.o
UNIT    := $(wildcard tests/unit/*.c)
FUZZ    := $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: all check check-plain check-san unit demo deps fuzz fuzz-long fuzz-replay bench bench-quick bench-readers bench-sensor clean install

all: postern

postern: $(OBJ)
	$(CC) $(CFLAGS) -o $@ $(OBJ) $(LIBS)

build/%.o: src/%.c | build
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

build/san/%.o: src/%.c | build
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(SAN) -c -o $@ $<

build/tsan/%.o: src/%.c | build build/tsan
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(TSAN) -c -o $@ $<

build:
	@mkdir -p build/san build/tsan build/unit build/fuzz

# (A build folder made before one of these existed.)
build/san build/tsan build/unit build/fuzz: | build
	@mkdir -p $@

build/rules_builtin.c: tools/embed.sh $(RULES) | build
	sh tools/embed.sh $(RULES) > $@

build/validate_data.c: tools/embed_data.sh $(foreach d,$(VDATA),$(word 2,$(subst =, ,$(d)))) | build
	sh tools/embed_data.sh $(VDATA) > $@

build/validate_data.o: build/validate_data.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/san/validate_data.o: build/validate_data.c
	$(CC) $(CPPFLAGS) -O1 -g $(SAN) -c -o $@ $<

build/tsan/validate_data.o: build/validate_data.c | build/tsan
	$(CC) $(CPPFLAGS) -O1 -g $(TSAN) -c -o $@ $<

build/fuzz/validate_data.o: build/validate_data.c
	$(FUZZCC) $(CPPFLAGS) $(FUZZFLAGS) -c -o $@ $<

build/rules_builtin.o: build/rules_builtin.c
	$(CC) $(CPPFLAGS) -Isrc $(CFLAGS) -c -o $@ $<

build/san/rules_builtin.o: build/rules_builtin.c
	$(CC) $(CPPFLAGS) -Isrc -O1 -g $(SAN) -c -o $@ $<

build/tsan/rules_builtin.o: build/rules_builtin.c | build/tsan
	$(CC) $(CPPFLAGS) -Isrc -O1 -g $(TSAN) -c -o $@ $<

build/fuzz/rules_builtin.o: build/rules_builtin.c
	$(FUZZCC) $(CPPFLAGS) -Isrc $(FUZZFLAGS) -c -o $@ $<

build/postern-san: $(SOBJ)
	$(CC) -O1 -g $(SAN) -o $@ $(SOBJ) $(LIBS)

build/postern-tsan: $(TOBJ)
	$(CC) -O1 -g $(TSAN) -o $@ $(TOBJ) $(LIBS)

build/unit/%: tests/unit/%.c $(LIBOBJ) | build
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -Isrc -o $@ $< $(LIBOBJ) $(LIBS)

build/unit/san-%: tests/unit/%.c $(SLIBOBJ) | build
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(SAN) -Isrc -o $@ $< $(SLIBOBJ) $(LIBS)

UNITBIN  := $(UNIT:tests/unit/%.c=build/unit/%)
SUNITBIN := $(UNIT:tests/unit/%.c=build/unit/san-%)

# The fuzz targets link the library objects built with clang and the fuzzer.
FUZZCC   ?= clang
FUZZFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FOBJ     := $(LIBSRC:src/%.c=build/fuzz/%.o) build/fuzz/rules_builtin.o build/fuzz/validate_data.o
FUZZBIN  := $(FUZZ:tests/fuzz/%.c=build/fuzz/%)

build/fuzz/%.o: src/%.c | build
	$(FUZZCC) $(CPPFLAGS) $(WARN) $(FUZZFLAGS) -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FOBJ) | build
	$(FUZZCC) $(CPPFLAGS) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Isrc -o $@ $< $(FOBJ) $(LIBS)

fuzz: $(FUZZBIN)

# Replay each target's seed corpus (no new inputs are generated).
fuzz-replay: $(FUZZBIN)
	@for f in $(FUZZBIN); do c=tests/fuzz/corpus/$${f##*/fuzz_}; \
	  if $$f -runs=0 $$c > /dev/null 2>&1; then echo "replayed $$c"; else echo "FAILED: $$f on $$c"; exit 1; fi; done

# Run every target long (or FUZZ_TARGET=...): FUZZ_RUNS executions or FUZZ_TIME seconds
# each, niced, one at a time; new inputs and logs go under build/fuzz-long/ (tests/fuzz/long.sh).
fuzz-long: $(FUZZBIN)
	sh tests/fuzz/long.sh

# The fuzz targets are built (and their corpora replayed) where clang is installed.
HAVE_CLANG := $(shell command -v $(FUZZCC) 2>/dev/null)

# The deterministic data generator used by the comparison tests and the bench.
build/gen: bench/gen.c | build
	$(CC) $(CPPFLAGS) $(WARN) -O2 -o $@ $<

# Writes the small MaxMind databases the geo and ASN lookup tests read.
build/mmdb-write: tests/tools/mmdb_write.c | build
	$(CC) $(CPPFLAGS) $(WARN) -O2 -o $@ $<

# The fault-injection shim (LD_PRELOAD) tests/faults.sh walks with.
build/faultshim.so: tests/tools/faultshim.c | build
	$(CC) $(WARN) -O2 -fPIC -shared -o $@ $< -ldl

# Times a command and its peak RSS for the benchmarks.
build/bench-rss: bench/rss.c | build
	$(CC) $(CPPFLAGS) $(WARN) -O2 -o $@ $<

check: postern build/postern-san build/postern-tsan build/gen build/mmdb-write build/bench-rss build/faultshim.so $(UNITBIN) $(SUNITBIN) $(if $(HAVE_CLANG),$(FUZZBIN))
	@sh tests/check.sh

check-plain: postern build/gen build/mmdb-write build/bench-rss build/faultshim.so $(UNITBIN)
	@POSTERN_NO_SAN=1 sh tests/check.sh

deps:
	@sh tools/deps.sh

demo: deps
	@$(MAKE) --no-print-directory postern
	./postern detect --format table examples/

# postern against DuckDB (installed from npm on first use) on generated data: see bench/README.md.
bench: postern
	sh bench/run.sh

bench-quick: postern
	sh bench/run.sh --quick

# Every reader on the same generated records: MB/s, records/s, peak RSS (ROWS=N for another size);
# then the evtx reader on the real .evtx files against evtxexport (bench/evtx.sh).
bench-readers: postern build/gen build/bench-rss
	sh bench/readers.sh $(if $(ROWS),--rows $(ROWS))
	sh bench/evtx.sh

# The live sensor's CPU cost and event loss under a loopback connection load
# (root, eBPF): see bench/sensor.sh.
build/connload: bench/connload.c | build
	$(CC) $(CPPFLAGS) $(WARN) -O2 -o $@ $<

bench-sensor: postern build/connload
	sh bench/sensor.sh

install: postern
	install -d $(DESTDIR)/usr/local/bin $(DESTDIR)/usr/local/share/postern/rules $(DESTDIR)/usr/local/share/man/man1
	install -m 755 postern $(DESTDIR)/usr/local/bin/postern
	install -m 644 rules/*.yml $(DESTDIR)/usr/local/share/postern/rules/
	install -d $(DESTDIR)/usr/local/share/postern/rules/validation
	install -m 644 rules/validation/*.xml $(DESTDIR)/usr/local/share/postern/rules/validation/
	install -m 644 man/postern.1 $(DESTDIR)/usr/local/share/man/man1/postern.1

clean:
	rm -rf build postern

# ---- live sensor (src/bpf/conn.bpf.c, src/sensor_bpf.c) ---------------------
# The eBPF program is built where bpftool, clang, libbpf-dev, libelf-dev and
# kernel BTF are present (`make deps` installs the packages). Where any is
# missing, postern is built without it (-DPOSTERN_NO_BPF) and `postern sensor`
# names what was missing. build/bpf.cfg records the choice, so installing the
# packages later rebuilds sensor_bpf.o.
BPFTOOL     := $(shell PATH="$$PATH:/usr/sbin:/sbin" command -v bpftool 2>/dev/null)
BPF_CLANG   ?= clang
BPF_ARCH    := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/;s/ppc64le/powerpc/;s/s390x/s390/')
BTF_VMLINUX := /sys/kernel/btf/vmlinux
BPF_MISSING := $(strip $(if $(BPFTOOL),,bpftool) \
                 $(if $(shell command -v $(BPF_CLANG) 2>/dev/null),,clang) \
                 $(if $(wildcard /usr/include/bpf/libbpf.h),,libbpf-dev) \
                 $(if $(wildcard /usr/include/libelf.h),,libelf-dev) \
                 $(if $(wildcard $(BTF_VMLINUX)),,$(BTF_VMLINUX)))
BPF_CFG     := $(if $(BPF_MISSING),without eBPF: $(BPF_MISSING),with eBPF)
$(shell [ ! -d build ] || [ "$$(cat build/bpf.cfg 2>/dev/null)" = "$(BPF_CFG)" ] || echo "$(BPF_CFG)" > build/bpf.cfg)
BPF_USEROBJ := build/sensor_bpf.o build/san/sensor_bpf.o build/tsan/sensor_bpf.o build/fuzz/sensor_bpf.o
ifeq ($(BPF_MISSING),)
LIBS        += -lbpf -lelf
$(BPF_USEROBJ): CPPFLAGS += -Ibuild
$(BPF_USEROBJ): build/conn.skel.h
else
$(BPF_USEROBJ): CPPFLAGS += -DPOSTERN_NO_BPF '-DPOSTERN_BPF_MISSING="$(BPF_MISSING)"'
endif
$(BPF_USEROBJ): build/bpf.cfg

build/bpf.cfg: | build
	echo "$(BPF_CFG)" > $@

build/vmlinux.h: | build
	$(BPFTOOL) btf dump file $(BTF_VMLINUX) format c > $@.tmp && mv $@.tmp $@

build/conn.bpf.o: src/bpf/conn.bpf.c src/bpf/conn_event.h build/vmlinux.h
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -Ibuild -Wall -Werror -c -o $@ $<

build/conn.skel.h: build/conn.bpf.o
	$(BPFTOOL) gen skeleton $< name conn_bpf > $@.tmp && mv $@.tmp $@
# ---- end of live sensor -----------------------------------------------------

-include $(OBJ:.o=.d) $(SOBJ:.o=.d) $(TOBJ:.o=.d) $(UNITBIN:=.d) $(SUNITBIN:=.d) $(FOBJ:.o=.d)

# Keep every intermediate object (the fuzz objects are built by pattern rules).
.SECONDARY:
