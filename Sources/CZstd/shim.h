#ifndef LOGLAB_CZSTD_SHIM_H
#define LOGLAB_CZSTD_SHIM_H
// Experimental parameters (magicless frames) and the COVER/fastCOVER trainers are only
// declared under these macros; Debian's libzstd exports the symbols.
#define ZSTD_STATIC_LINKING_ONLY
#define ZDICT_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zdict.h>
#include <zstd_errors.h>
#endif
