#ifndef LOGLAB_CSHA_SHIM_H
#define LOGLAB_CSHA_SHIM_H
// SHA-256 from the system libcrypto (OpenSSL's EVP interface): dataset hashes and profile ids.
#include <openssl/evp.h>
#endif
