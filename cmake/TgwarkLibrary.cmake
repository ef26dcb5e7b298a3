# tgwark_cc_library(NAME target SRCS a.cc ... [DEPS ...] [PRIVATE_DEPS ...])
#
# One static library per module, in the style of Abseil's absl_cc_library:
# headers are named from src/ ("aws/sigv4.h"), and every dependency is
# declared — DEPS when the module's headers expose it (users need it too),
# PRIVATE_DEPS when only its sources use it. There are no project-wide include
# directories, so a target that forgets a dependency does not compile; which
# module may depend on which is in docs/design.md and checked by
# tests/layering.
function(tgwark_cc_library)
  cmake_parse_arguments(L "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${L_NAME} STATIC ${L_SRCS})
  target_include_directories(${L_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${L_NAME} PUBLIC ${L_DEPS} PRIVATE ${L_PRIVATE_DEPS})
  tgwark_warnings(${L_NAME})
endfunction()
