# One warning policy for every target of the project (not for third-party headers,
# which come from system include paths and are therefore exempt).
function(tgwark_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
    -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
    -Wimplicit-fallthrough -Wno-missing-field-initializers)
  if(TGWARK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
