# Sanitizer builds (SONDHAN_SANITIZE): 'address' for AddressSanitizer with UndefinedBehaviorSanitizer,
# 'thread' for ThreadSanitizer. Applied to every target of the tree.
if(SONDHAN_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(SONDHAN_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(SONDHAN_SANITIZE)
  message(FATAL_ERROR "SONDHAN_SANITIZE must be empty, 'address' or 'thread', not '${SONDHAN_SANITIZE}'")
endif()
