# SigV4 signer and credential providers.
target_sources(tgwark_aws PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sigv4.cc
  ${CMAKE_CURRENT_LIST_DIR}/credential_providers.cc
  ${CMAKE_CURRENT_LIST_DIR}/imds_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/sts.cc
)
