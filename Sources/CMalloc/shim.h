// glibc's allocator tuning (mallopt), which its Glibc module leaves out: the CLI's FreedMemory.swift.
#include <malloc.h>
