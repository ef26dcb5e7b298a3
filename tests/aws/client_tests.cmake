# transport + EC2 client tests
tgwark_test(aws_error_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/aws_error_test.cc LIBS tgwark_aws)
tgwark_test(aws_endpoints_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/endpoints_test.cc LIBS tgwark_aws)
tgwark_test(aws_retry_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/retry_test.cc LIBS tgwark_aws)
tgwark_test(aws_ec2_xml_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/ec2_xml_test.cc LIBS tgwark_aws)
