#ifndef LOGLAB_CDEFLATE_SHIM_H
#define LOGLAB_CDEFLATE_SHIM_H
// libdeflate: used only for its CRC-32 (the zlib polynomial, vectorised with PCLMULQDQ;
// several times faster than zlib's on the restore path, where every byte is checked).
#include <libdeflate.h>
#endif
