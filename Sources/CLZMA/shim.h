#ifndef LOGLAB_CLZMA_SHIM_H
#define LOGLAB_CLZMA_SHIM_H
#include <lzma.h>
// LZMA_STREAM_INIT is a macro initialiser Swift cannot import.
static inline lzma_stream loglab_lzma_stream_init(void) {
    lzma_stream s = LZMA_STREAM_INIT;
    return s;
}
#endif
