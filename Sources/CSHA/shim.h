#ifndef LOGLAB_CSHA_SHIM_H
#define LOGLAB_CSHA_SHIM_H
// SHA-256 from the system libcrypto: dataset hashes and profile ids. The direct SHA256_*
// functions (deprecated in OpenSSL 3, still exported): the EVP interface's first use
// initialises the library and fetches a provider, ~5 M instructions on every start-up
// that loads a profile; the direct functions run the same assembly without that.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#endif
