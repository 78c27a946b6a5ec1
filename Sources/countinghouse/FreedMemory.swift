// The C library's allocator, told to give freed memory back to the system. By default glibc raises
// its mmap threshold as big blocks are freed (up to 32 MiB), so that the big arrays a report makes
// and frees phase by phase (a year's reconciliation items, a stock trail counted chunk by chunk)
// stay in the heap, and the next phase's grow it further: the whole year's report peaked at 545 MB
// with that default and at 500 MB with the thresholds fixed (the same bytes; the time within the
// machine's noise).
#if canImport(Glibc)
    import CMalloc

    enum FreedMemory {
        /// Blocks of 128 KiB and more are mapped on their own and unmapped when freed; the heap's
        /// free top is trimmed past 1 MiB. Fixing either keeps glibc from raising them.
        static func giveBack() {
            _ = mallopt(M_MMAP_THRESHOLD, 128 * 1024)
            _ = mallopt(M_TRIM_THRESHOLD, 1024 * 1024)
        }
    }
#else
    enum FreedMemory {
        static func giveBack() {}
    }
#endif
