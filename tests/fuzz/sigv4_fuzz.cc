// SigV4 over arbitrary requests. Fields (split on 0x1f): method, URL,
// headers ("Name: value" per line), body, and an Authorization header as a
// server would receive it. Besides "no crash, no UB", one property: a request
// this signer signs must verify with the same secret on the server side
// (the emulator's check), whatever its path, query, headers and body. A
// mismatch means the two halves canonicalise differently, which is how
// signature bugs hide until a real endpoint rejects a request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "fuzz_input.h"

using namespace tgwark;
using namespace tgwark::aws;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto f = fuzz::splitFields(data, size, 5);
  HttpRequest request;
  request.method = std::string(f[0].empty() ? "POST" : f[0]);
  request.url = std::string(f[1]);
  std::string_view headers = f[2];
  while (!headers.empty()) {
    auto eol = headers.find('\n');
    std::string_view line = headers.substr(0, eol);
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      request.headers.emplace_back(std::string(line.substr(0, colon)),
                                   std::string(line.substr(colon + 1)));
    }
    if (eol == std::string_view::npos) break;
    headers.remove_prefix(eol + 1);
  }
  request.body = std::string(f[3]);

  // The server side on what arrived as is.
  (void)sigv4::parseAuthorization(f[4]);
  HttpRequest received = request;
  received.headers.emplace_back("Authorization", std::string(f[4]));
  const SecretString secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  (void)sigv4::verify(received, secret);

  sigv4::SigningParams params;
  params.region = "us-east-1";
  params.service = "ec2";
  params.time = WallTime{} + std::chrono::seconds(1440938160);  // 20150830T123600Z
  (void)sigv4::canonicalRequest(request, params);

  Credentials credentials;
  credentials.accessKeyId = "AKIDEXAMPLE";
  credentials.secretAccessKey = secret;
  HttpRequest signedRequest = request;
  if (sigv4::sign(signedRequest, credentials, params)) {
    auto verified = sigv4::verify(signedRequest, secret);
    if (!verified) {
      std::fprintf(stderr, "signed request does not verify: %s\n",
                   verified.error().message.c_str());
      std::abort();
    }
  }
  return 0;
}
