#include "common/secret.h"

#include <openssl/crypto.h>

namespace tgwark {

void secureWipe(void* data, std::size_t size) {
  if (data != nullptr && size > 0) OPENSSL_cleanse(data, size);
}

}  // namespace tgwark
