// The functions are inline in include/CByteScan.h; a C target needs one source file.
