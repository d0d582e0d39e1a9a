# Makefile — builds ./optbench and its tests.
#   make            build ./optbench (CPU)
#   make deps       install missing Debian packages (apt-get; a no-op when present)
#   make data       write data/kjv.txt (the transformer's default corpus) from Debian's bible-kjv, if missing
#   make test       Criterion unit tests, golden vectors, gradient checks, CLI end-to-end tests
#   make test-asan  the same under AddressSanitizer and UndefinedBehaviorSanitizer
#   make test-torch compare recorded Rosenbrock trajectories with torch.optim (installs python3-torch)
#   make bench      optimizer steps vs the measured roofline and vs torch's CPU AdamW, and an MLP
#                   training step vs torch's (installs python3-torch and libjemalloc2;
#                   BENCH_ARGS adds flags of `optbench bench`)
#   make bench-transformer  a transformer training step vs torch's (installs python3-torch)
#   make install PREFIX=/usr/local
#   make clean

PREFIX   ?= /usr/local
BUILD    ?= build
SAN      ?= 0
CC       ?= cc
PKGS     := sqlite3 yaml-0.1 openblas zlib
DEB_PKGS := build-essential pkg-config libopenblas-dev libsqlite3-dev sqlite3 libyaml-dev \
            zlib1g-dev libcriterion-dev gnuplot-nox dataset-fashion-mnist bible-kjv

OPT_FLAGS := -O3 -fno-math-errno
ifeq ($(SAN),1)
OPT_FLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
endif

CFLAGS   += -std=gnu11 $(OPT_FLAGS) -g -fopenmp -Wall -Wextra -MMD -MP \
            -DOPTBENCH_DATADIR='"$(PREFIX)/share/optbench"' \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS  += $(filter -fsanitize=%,$(OPT_FLAGS)) -fopenmp
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

LIB_SRC  := $(filter-out harness/main.c,$(wildcard harness/*.c optimizers/*.c problems/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/schema_sql.o
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BIN      := $(if $(filter 1,$(SAN)),$(BUILD)/optbench,optbench)

.PHONY: all deps data check-libs test test-asan test-torch torch-dep bench bench-mlp bench-transformer install clean
all: $(BIN)

# Names the Debian package of any missing library instead of failing in the compiler.
check-libs:
	@command -v pkg-config >/dev/null || { echo "pkg-config is missing: run 'make deps' (Debian package pkg-config)"; exit 2; }
	@pkg-config --exists sqlite3 || { echo "libsqlite3 is missing: run 'make deps' (Debian package libsqlite3-dev)"; exit 2; }
	@pkg-config --exists yaml-0.1 || { echo "libyaml is missing: run 'make deps' (Debian package libyaml-dev)"; exit 2; }
	@pkg-config --exists openblas || { echo "OpenBLAS is missing: run 'make deps' (Debian package libopenblas-dev)"; exit 2; }
	@pkg-config --exists zlib || { echo "zlib is missing: run 'make deps' (Debian package zlib1g-dev)"; exit 2; }

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all present"; else \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "deps: installing$$missing"; \
	  $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

# The King James Bible as plain text, 80 columns, from Debian's bible-kjv
# (public domain; about 4.3 MB, git-ignored).
data: data/kjv.txt
data/kjv.txt:
	@command -v bible >/dev/null || { $(APT_INSTALL) bible-kjv; }
	COLUMNS=80 bible Gen1:1-Rev22:21 > $@.tmp && mv $@.tmp $@

$(BIN): $(BUILD)/harness/main.o $(BUILD)/liboptbench.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/liboptbench.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c | check-libs
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# results/schema.sql, embedded as a C string.
$(BUILD)/schema_sql.c: results/schema.sql
	@mkdir -p $(BUILD)
	{ echo '/* generated from results/schema.sql */'; echo 'const char store_schema_sql[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; echo ';'; } > $@

$(BUILD)/schema_sql.o: $(BUILD)/schema_sql.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(BUILD)/liboptbench.a | check-libs
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags criterion 2>/dev/null) $(LDFLAGS) -o $@ $< \
	  $(BUILD)/liboptbench.a $(shell pkg-config --libs criterion 2>/dev/null) $(LDLIBS)

test: $(BIN) $(TEST_BIN)
	@OPTBENCH=$(abspath $(BIN)) TEST_BIN_DIR=$(BUILD)/tests sh tests/run.sh

test-asan:
	$(MAKE) BUILD=build-asan SAN=1 test

# Shell words that install the Debian packages named after them.
APT_INSTALL = sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends

# Debian's python3-torch, installed when missing.
torch-dep:
	@/usr/bin/python3 -c 'import torch' 2>/dev/null || { $(APT_INSTALL) python3-torch; }

test-torch: $(BIN) torch-dep
	OPTBENCH=$(abspath $(BIN)) /usr/bin/python3 tests/torch/rosenbrock_trajectories.py

bench: $(BIN) torch-dep bench-mlp
	@ldconfig -p | grep -q libjemalloc.so.2 || { $(APT_INSTALL) libjemalloc2; }
	@mkdir -p $(BUILD)
	./$(BIN) bench --json $(BENCH_ARGS) > $(BUILD)/bench.jsonl
	/usr/bin/python3 bench/torch_optim.py --optbench $(BUILD)/bench.jsonl

bench-mlp: $(BIN) torch-dep
	OPTBENCH=$(abspath $(BIN)) /usr/bin/python3 bench/mlp_step_torch.py

bench-transformer: $(BIN) torch-dep
	OPTBENCH=$(abspath $(BIN)) /usr/bin/python3 bench/transformer_step_torch.py

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/optbench/golden $(DESTDIR)$(PREFIX)/share/optbench/results \
	  $(DESTDIR)$(PREFIX)/share/optbench/data
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/optbench
	install -m 644 tests/golden/*.txt $(DESTDIR)$(PREFIX)/share/optbench/golden/
	install -m 644 results/schema.sql $(DESTDIR)$(PREFIX)/share/optbench/results/
	install -m 644 data/*.csv data/*.csv.gz data/README.md $(DESTDIR)$(PREFIX)/share/optbench/data/

clean:
	rm -rf build build-asan optbench

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
