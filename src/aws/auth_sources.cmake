# SigV4 signer and credential providers.
target_sources(tgwark_aws PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sigv4.cc
  ${CMAKE_CURRENT_LIST_DIR}/iso8601.cc
  ${CMAKE_CURRENT_LIST_DIR}/ini.cc
  ${CMAKE_CURRENT_LIST_DIR}/credentials_cache.cc
  ${CMAKE_CURRENT_LIST_DIR}/credentials_environment.cc
  ${CMAKE_CURRENT_LIST_DIR}/credentials_profile.cc
  ${CMAKE_CURRENT_LIST_DIR}/credentials_imds.cc
  ${CMAKE_CURRENT_LIST_DIR}/credentials_sts.cc
  ${CMAKE_CURRENT_LIST_DIR}/credentials_chain.cc
  ${CMAKE_CURRENT_LIST_DIR}/imds_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/sts.cc
)
