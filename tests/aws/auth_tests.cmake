# SigV4 + credentials tests
tgwark_test(aws_sigv4_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/sigv4_test.cc ${CMAKE_CURRENT_LIST_DIR}/sigv4_suite_test.cc
  LIBS tgwark_aws nlohmann_json::nlohmann_json)
tgwark_test(aws_credentials_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/credential_providers_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/imds_client_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/sts_test.cc
  LIBS tgwark_aws)
# support/fake_http_client.h lives under tests/.
target_include_directories(aws_credentials_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)
# The same providers over real HTTP: CurlHttpClient against a loopback httplib server.
tgwark_test(aws_auth_live_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/imds_live_test.cc
  LIBS tgwark_aws PkgConfig::HTTPLIB Threads::Threads)
