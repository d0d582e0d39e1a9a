build-cpu/harness/rng.o: harness/rng.c harness/rng.h harness/rng_impl.h
harness/rng.h:
harness/rng_impl.h:
