#ifndef LOGLAB_CBROTLI_SHIM_H
#define LOGLAB_CBROTLI_SHIM_H
#include <brotli/encode.h>
#include <brotli/decode.h>
#endif
