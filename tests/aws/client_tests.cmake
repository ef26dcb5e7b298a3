# transport + EC2 client tests
tgwark_test(aws_error_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/aws_error_test.cc LIBS tgwark_aws)
tgwark_test(aws_endpoints_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/endpoints_test.cc LIBS tgwark_aws)
tgwark_test(aws_retry_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/retry_test.cc LIBS tgwark_aws)
tgwark_test(aws_ec2_xml_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/ec2_xml_test.cc LIBS tgwark_aws)
tgwark_test(aws_ec2_client_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/ec2_client_test.cc LIBS tgwark_aws)
# support/fake_http_client.h lives under tests/.
target_include_directories(aws_ec2_client_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)
tgwark_test(aws_curl_http_client_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/curl_http_client_test.cc
  LIBS tgwark_aws PkgConfig::HTTPLIB Threads::Threads)
tgwark_test(aws_curl_tls_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/curl_tls_test.cc
  LIBS tgwark_aws PkgConfig::HTTPLIB Threads::Threads)
