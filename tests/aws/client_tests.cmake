# transport + EC2 client tests
tgwark_test(aws_error_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/aws_error_test.cc LIBS tgwark_aws)
