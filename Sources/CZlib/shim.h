#ifndef LOGLAB_CZLIB_SHIM_H
#define LOGLAB_CZLIB_SHIM_H
#include <zlib.h>
// deflateInit2/inflateInit2 are macros (they pass ZLIB_VERSION and the struct size),
// which Swift cannot call: wrap them.
static inline int loglab_deflateInit2(z_streamp strm, int level, int method, int windowBits,
                                      int memLevel, int strategy) {
    return deflateInit2(strm, level, method, windowBits, memLevel, strategy);
}
static inline int loglab_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
#endif
