# HTTP transport, endpoints, retries, EC2 Query client.
target_sources(tgwark_aws PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/http_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/curl_http_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/aws_error.cc
  ${CMAKE_CURRENT_LIST_DIR}/query_encoding.cc
  ${CMAKE_CURRENT_LIST_DIR}/endpoints.cc
  ${CMAKE_CURRENT_LIST_DIR}/retry.cc
  ${CMAKE_CURRENT_LIST_DIR}/ec2_xml.cc
  ${CMAKE_CURRENT_LIST_DIR}/ec2_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/ec2_api.cc
)
