build-cpu/harness/device.o: harness/device.c harness/device.h
harness/device.h:
