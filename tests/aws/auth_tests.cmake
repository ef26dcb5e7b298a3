# SigV4 + credentials tests
tgwark_test(aws_sigv4_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/sigv4_test.cc ${CMAKE_CURRENT_LIST_DIR}/sigv4_suite_test.cc
  LIBS tgwark_aws nlohmann_json::nlohmann_json)
tgwark_test(aws_credentials_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/iso8601_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/ini_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/credentials_cache_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/credentials_environment_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/credentials_profile_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/credentials_imds_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/credentials_sts_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/credentials_chain_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/imds_client_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/sts_test.cc
  LIBS tgwark_aws)
# support/fake_http_client.h and fake_credentials.h live under tests/.
target_include_directories(aws_credentials_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)
# The same providers over real HTTP: CurlHttpClient against a loopback httplib server.
tgwark_test(aws_auth_live_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/imds_live_test.cc
  LIBS tgwark_aws PkgConfig::HTTPLIB Threads::Threads)
