# Makefile — builds ./optbench and its tests.
#   make            build ./optbench; CUDA=auto (default) adds the CUDA backend when nvcc is
#                   found (/usr/local/cuda/bin/nvcc or PATH), CUDA=1 requires it, CUDA=0 leaves it out
#   make deps       install missing Debian packages (apt-get; a no-op when present)
#   make data       write data/kjv.txt (the transformer's default corpus) from Debian's bible-kjv, if missing
#   make test       Criterion unit tests, golden vectors, gradient checks, CLI end-to-end tests
#   make test-asan  the same under AddressSanitizer and UndefinedBehaviorSanitizer
#   make test-tsan  the threaded paths of runs on 2 threads (every optimizer's OpenMP passes,
#                   clipping and norms, the row-split matrix products, the transformer's layers:
#                   tests/tsan.sh and tests/e2e/threads_cli.sh) built with clang under
#                   ThreadSanitizer, with LLVM's OpenMP runtime and its Archer tool, which tells
#                   ThreadSanitizer about OpenMP's synchronisation (make deps-fuzz: clang, libomp-dev)
#   make fuzz       libFuzzer targets of tests/fuzz/ (sweep files, spec strings, CSV, LIBSVM, IDX,
#                   golden files) built with clang under ASan and UBSan, each run FUZZ_TIME seconds
#                   (default 60) from a corpus seeded with the files of tests/ (make deps-fuzz: clang)
#   make test-slurm submit a small sweep as a Slurm job array to a one-node cluster started
#                   for the test (installs slurmctld, slurmd, slurm-client, munge; root only)
#   make test-torch compare Rosenbrock trajectories and logreg runs with parameter groups with torch
#                   (torch.optim, and tests/torch/reference_optimizers.py for adafactor, muon, sfadamw;
#                   installs python3-torch), and python/optbench_golden.py on `optbench golden` files
#   make bench-cuda the fused optimizer steps on the GPU beside torch's fused AdamW (needs a GPU)
#   make device-check  build/device-check.tar.xz: the CUDA build, every test program, the test
#                   plugin with a CUDA step and the libraries a bare GPU machine lacks, for
#                   `sh tools/device_check.sh` there
#   make bench      optimizer steps vs the measured roofline and vs torch's CPU AdamW, and an MLP
#                   training step vs torch's (installs python3-torch and libjemalloc2;
#                   BENCH_ARGS adds flags of `optbench bench`)
#   make demo       deps, build, the Lion-vs-AdamW sweep into results/demo.db and its report
#   make test-browser  render a report in headless Chromium and screenshot it (installs chromium)
#   make bench-transformer  a transformer training step vs torch's (installs python3-torch)
#   make plugins    the example optimizer plugins of examples/plugins/*.c into build/plugins/*.so
#   make install PREFIX=/usr/local   (the binary, data, golden vectors and include/optbench/plugin.h)
#   make clean

PREFIX   ?= /usr/local
BUILD    ?= build
SAN      ?= 0
CC       ?= cc
PKGS     := sqlite3 yaml-0.1 openblas zlib
DEB_PKGS := build-essential pkg-config libopenblas-dev libsqlite3-dev sqlite3 libyaml-dev \
            zlib1g-dev libcriterion-dev gnuplot-nox dataset-fashion-mnist bible-kjv

# The CUDA backend: every source under a cuda/ folder, built with nvcc (.cu)
# or cc (.c), compiled with OPTBENCH_CUDA defined. The CPU build never needs it.
CUDA     ?= auto
NVCC     ?= $(firstword $(wildcard /usr/local/cuda/bin/nvcc) $(shell command -v nvcc 2>/dev/null))
ifeq ($(CUDA),auto)
USE_CUDA := $(if $(NVCC),1,0)
else ifeq ($(CUDA),1)
USE_CUDA := 1
$(if $(NVCC),,$(error CUDA=1: nvcc not found in /usr/local/cuda/bin or PATH (set NVCC=/path/to/nvcc)))
else ifeq ($(CUDA),0)
USE_CUDA := 0
else
$(error CUDA=$(CUDA): use auto, 0 or 1)
endif
CUDA_HOME := $(patsubst %/bin/,%,$(dir $(NVCC)))
# sm_90 machine code for the H100/H200 and compute_90 PTX that newer GPUs JIT-compile;
# --fmad=false keeps a*b+c rounded twice, as the CPU loops round it.
CUDA_ARCH := -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90
NVCCFLAGS += -O3 -std=c++17 $(CUDA_ARCH) \
             --fmad=false -Xcompiler -Wall,-Wextra -MMD -MP -I. -DOPTBENCH_CUDA=1 -I$(CUDA_HOME)/include

OPT_FLAGS := -O3 -fno-math-errno
ifeq ($(SAN),1)
OPT_FLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else ifeq ($(SAN),thread)
OPT_FLAGS := -O1 -fno-omit-frame-pointer -fsanitize=thread
else ifeq ($(SAN),fuzz)
OPT_FLAGS := -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -Wno-pass-failed
endif

# -ffp-contract=off: a*b+c is rounded twice in every clone, also where the
# instruction set has FMA (the avx512f clones): results do not depend on which
# clone the CPU picks, and fused and unfused code paths compare bit for bit.
CFLAGS   += -std=gnu11 $(OPT_FLAGS) -ffp-contract=off -g -fopenmp -Wall -Wextra -MMD -MP -I. \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS  += $(filter -fsanitize=%,$(OPT_FLAGS)) -fopenmp
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

# Every folder of the harness is one layer (docs/DESIGN.md); the CUDA twins of a
# layer live in a cuda/ folder beside it.
LAYERS   := harness/core harness/run harness/store harness/sweep harness/report harness/check harness/cmd \
            optimizers problems
LIB_SRC  := $(filter-out harness/cmd/main.c,$(foreach d,$(LAYERS),$(wildcard $(d)/*.c)))
CU_SRC   :=
TEST_SRC := $(wildcard tests/test_*.c)
ifeq ($(USE_CUDA),1)
CFLAGS   += -DOPTBENCH_CUDA=1 -I$(CUDA_HOME)/include
# The CUDA runtime is linked statically: it opens the driver (libcuda.so) at
# its first call. cuBLAS is not linked: harness/core/cuda/cublas_load.c opens
# it at its first use, from the run path set here (or LD_LIBRARY_PATH, or
# ld.so's cache). libstdc++ is linked statically too: nvcc's host code needs
# only its static-local guards and exception personality, and the shared
# libstdc++ would add its symbol relocations to every start. So a command
# that does not use the GPU starts as fast as the build without CUDA
# (BENCHMARKS.md, "Start-up of the CUDA build").
LDLIBS   += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcudart_static -ldl -lrt -lpthread -l:libstdc++.a
LIB_SRC  += $(foreach d,$(LAYERS),$(wildcard $(d)/cuda/*.c))
CU_SRC   := $(foreach d,$(LAYERS),$(wildcard $(d)/cuda/*.cu))
else
TEST_SRC := $(filter-out tests/test_cuda.c,$(TEST_SRC))
endif
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(CU_SRC:%.cu=$(BUILD)/%.o) $(BUILD)/schema_sql.o $(BUILD)/plot_templates.o
# Made only when USE_CUDA changes (the other setting's stamp is removed), so
# that switching CUDA= rebuilds every object.
CUDA_STAMP := $(BUILD)/cuda-$(USE_CUDA).stamp
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BIN      := $(if $(filter build,$(BUILD)),optbench,$(BUILD)/optbench)

.PHONY: plugins all deps deps-fuzz fuzz fuzz-bins data demo test-browser check-libs test test-asan test-tsan test-slurm test-int8-exhaustive test-torch torch-dep bench bench-mlp bench-transformer bench-lowp bench-cuda device-check install clean
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

# clang with libFuzzer's runtime and OpenMP, for make fuzz only.
FUZZ_PKGS := clang libclang-rt-dev libomp-dev
deps-fuzz:
	@missing=""; for p in $(FUZZ_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then $(APT_INSTALL) $$missing; fi

# The King James Bible as plain text, 80 columns, from Debian's bible-kjv
# (public domain; about 4.3 MB, git-ignored).
data: data/kjv.txt
data/kjv.txt:
	@command -v bible >/dev/null || { $(APT_INSTALL) bible-kjv; }
	COLUMNS=80 bible Gen1:1-Rev22:21 > $@.tmp && mv $@.tmp $@

$(BIN): $(BUILD)/harness/cmd/main.o $(BUILD)/liboptbench.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Rebuilt from scratch, so that no object of the other CUDA= setting stays in it.
$(BUILD)/liboptbench.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(CUDA_STAMP):
	@mkdir -p $(BUILD)
	rm -f $(BUILD)/cuda-*.stamp
	touch $@

$(BUILD)/%.o: %.c $(CUDA_STAMP) | check-libs
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.cu $(CUDA_STAMP)
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -c -o $@ $<

# results/schema.sql, embedded as a C string.
$(BUILD)/schema_sql.c: results/schema.sql
	@mkdir -p $(BUILD)
	{ echo '/* generated from results/schema.sql */'; echo 'const char store_schema_sql[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; echo ';'; } > $@

$(BUILD)/schema_sql.o: $(BUILD)/schema_sql.c
	$(CC) $(CFLAGS) -c -o $@ $<

# plots/*.gp, embedded as a table of C strings for `optbench report`.
$(BUILD)/plot_templates.c: $(wildcard plots/*.gp)
	@mkdir -p $(BUILD)
	{ echo '/* generated from the templates in plots/ */'; echo '#include "harness/report/report_plots.h"'; \
	  echo 'const PlotTemplate plot_templates[] = {'; \
	  for f in $^; do echo "{\"$$(basename $$f)\","; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; echo '},'; done; \
	  echo '{0, 0}};'; } > $@

$(BUILD)/plot_templates.o: $(BUILD)/plot_templates.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(BUILD)/liboptbench.a | check-libs
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags criterion 2>/dev/null) $(LDFLAGS) -o $@ $< \
	  $(BUILD)/liboptbench.a $(shell pkg-config --libs criterion 2>/dev/null) $(LDLIBS)

# Optimizer plugins: self-contained C against include/optbench/plugin.h only,
# built the way its header says a plugin is built.
PLUGIN_CFLAGS := -O3 -Wall -Wextra -shared -fPIC -Iinclude
PLUGINS  := $(patsubst examples/plugins/%.c,$(BUILD)/plugins/%.so,$(wildcard examples/plugins/*.c))
plugins: $(PLUGINS)
$(BUILD)/plugins/%.so: examples/plugins/%.c include/optbench/plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lm
# A test plugin with a CUDA step, in a CUDA build (tests/e2e/plugins*.sh).
# It carries its own static CUDA runtime, as nvcc links by default, and needs
# no libcudart.so on the machine; its kernels and optbench's share the
# device's primary context and default stream (include/optbench/plugin.h).
TEST_PLUGINS := $(if $(filter 1,$(USE_CUDA)),$(BUILD)/tests/plugins/cuda_lion.so)
$(BUILD)/tests/plugins/%.so: tests/plugins/%.cu include/optbench/plugin.h
	@mkdir -p $(dir $@)
	$(NVCC) -O3 -std=c++17 $(CUDA_ARCH) --fmad=false -shared --cudart static -Xcompiler -fPIC,-Wall,-Wextra \
	  -Iinclude -o $@ $<

test: $(BIN) $(TEST_BIN) $(PLUGINS) $(TEST_PLUGINS)
	@OPTBENCH=$(abspath $(BIN)) OPTBENCH_PLUGINS=$(abspath $(BUILD)/plugins) \
	  OPTBENCH_TEST_PLUGINS=$(abspath $(BUILD)/tests/plugins) TEST_BINS="$(TEST_BIN)" sh tests/run.sh

# protect_shadow_gap=0: the CUDA driver maps memory where ASan keeps its shadow gap.
test-asan:
	ASAN_OPTIONS=protect_shadow_gap=0 $(MAKE) BUILD=build-asan SAN=1 test

# The threaded paths are driven through the binary: Criterion's test runner
# itself crashes at start under ThreadSanitizer, so its suites are left out.
TSAN_SCRIPTS := tests/tsan.sh tests/e2e/threads_cli.sh
TSAN_ARCHER  := $(firstword $(wildcard /usr/lib/llvm-*/lib/libarcher.so))
test-tsan: deps-fuzz
	$(MAKE) BUILD=build-tsan SAN=thread CC=clang CUDA=0 build-tsan/optbench
	@test -n "$(TSAN_ARCHER)" || { echo "test-tsan: LLVM's libarcher.so not found (make deps-fuzz installs libomp-dev)"; exit 2; }
	OMP_TOOL_LIBRARIES=$(TSAN_ARCHER) TSAN_OPTIONS="halt_on_error=1 exitcode=66 ignore_noninstrumented_modules=1" \
	  OPTBENCH=$(abspath build-tsan/optbench) TEST_BINS= E2E_SCRIPTS="$(TSAN_SCRIPTS)" sh tests/run.sh

FUZZ_TARGETS := sweep spec csv libsvm idx golden
FUZZ_TIME    ?= 60
fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/liboptbench.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(BUILD)/liboptbench.a $(LDLIBS)

fuzz: deps-fuzz
	$(MAKE) BUILD=build-fuzz SAN=fuzz CC=clang CUDA=0 fuzz-bins
	FUZZ_TIME=$(FUZZ_TIME) FUZZ_TARGETS="$(FUZZ_TARGETS)" sh tests/fuzz/run.sh build-fuzz

test-slurm: $(BIN)
	OPTBENCH=$(abspath $(BIN)) sh tests/slurm/array.sh

# Every float through the CPU's int8 table, and every y of [-1, 1] and NaN
# through its AVX2 store (about 2.5 minutes of CPU time; make test checks a
# sweep and every bucket edge and threshold).
test-int8-exhaustive: $(BUILD)/tests/exhaustive/int8_table
	$(BUILD)/tests/exhaustive/int8_table

# Shell words that install the Debian packages named after them.
APT_INSTALL = sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends

# Debian's python3-torch, installed when missing.
torch-dep:
	@/usr/bin/python3 -c 'import torch' 2>/dev/null || { $(APT_INSTALL) python3-torch; }

test-torch: $(BIN) torch-dep
	OPTBENCH=$(abspath $(BIN)) /usr/bin/python3 tests/torch/rosenbrock_trajectories.py
	OPTBENCH=$(abspath $(BIN)) PYTHON=/usr/bin/python3 sh tests/torch/golden_bridge.sh

bench: $(BIN) torch-dep bench-mlp bench-transformer
	@ldconfig -p | grep -q libjemalloc.so.2 || { $(APT_INSTALL) libjemalloc2; }
	@mkdir -p $(BUILD)
	$(abspath $(BIN)) bench --json $(BENCH_ARGS) > $(BUILD)/bench.jsonl
	/usr/bin/python3 bench/torch_optim.py --optbench $(BUILD)/bench.jsonl

bench-mlp: $(BIN) torch-dep
	OPTBENCH=$(abspath $(BIN)) /usr/bin/python3 bench/mlp_step_torch.py

demo: deps
	$(MAKE) all data
	$(abspath $(BIN)) sweep sweeps/lion_vs_adamw.yaml --db results/demo.db
	$(abspath $(BIN)) report --sweep lion-vs-adamw --db results/demo.db --out reports/lion_vs_adamw --optimizers lion,adamw,lion_l2

test-browser: $(BIN)
	@command -v chromium >/dev/null || { $(APT_INSTALL) chromium; }
	OPTBENCH=$(abspath $(BIN)) sh tests/browser/report_screenshot.sh

# CPU time of each part of a low-precision step (BENCHMARKS.md).
bench-lowp: $(BUILD)/bench/lowp_parts
	$(BUILD)/bench/lowp_parts
$(BUILD)/bench/lowp_parts: bench/lowp_parts.c $(BUILD)/liboptbench.a | check-libs
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liboptbench.a $(LDLIBS)

bench-cuda: $(BIN)
	OPTBENCH=$(abspath $(BIN)) python3 bench/cuda_optim.py

# tools/device_bundle.sh fetches the libraries with apt-get download and dpkg -x.
ifeq ($(USE_CUDA),1)
device-check: $(BIN) $(TEST_BIN) $(TEST_PLUGINS)
	sh tools/device_bundle.sh $(BUILD)/device-check.tar.xz $(BIN) $(TEST_BIN) $(TEST_PLUGINS)
	@echo "on the GPU machine, from the repository root: sh tools/device_check.sh $(BUILD)/device-check.tar.xz"
else
device-check:
	@echo "device-check: needs the CUDA build (CUDA=$(CUDA), nvcc: $(or $(NVCC),not found))"; exit 2
endif

bench-transformer: $(BIN) torch-dep
	OPTBENCH=$(abspath $(BIN)) /usr/bin/python3 bench/transformer_step_torch.py

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/optbench/golden $(DESTDIR)$(PREFIX)/share/optbench/results \
	  $(DESTDIR)$(PREFIX)/share/optbench/data $(DESTDIR)$(PREFIX)/include/optbench $(DESTDIR)$(PREFIX)/share/optbench/python
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/optbench
	install -m 644 include/optbench/plugin.h $(DESTDIR)$(PREFIX)/include/optbench/
	install -m 644 tests/golden/*.txt $(DESTDIR)$(PREFIX)/share/optbench/golden/
	install -m 644 results/schema.sql $(DESTDIR)$(PREFIX)/share/optbench/results/
	install -m 644 python/optbench_golden.py $(DESTDIR)$(PREFIX)/share/optbench/python/
	install -m 644 data/*.csv data/*.csv.gz data/README.md $(DESTDIR)$(PREFIX)/share/optbench/data/

# BUILD=DIR cleans that build; the default build also takes test-asan's.
clean:
	rm -rf $(BUILD) $(BIN) $(if $(filter build,$(BUILD)),build-asan build-fuzz)

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)
