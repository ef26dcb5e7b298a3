# SigV4 + credentials tests
tgwark_test(aws_sigv4_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/sigv4_test.cc ${CMAKE_CURRENT_LIST_DIR}/sigv4_suite_test.cc
  LIBS tgwark_aws nlohmann_json::nlohmann_json)
