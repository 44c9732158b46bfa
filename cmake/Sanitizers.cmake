# Sanitizer builds (SONDHAN_SANITIZE): 'address' for AddressSanitizer with UndefinedBehaviorSanitizer,
# 'thread' for ThreadSanitizer. Applied to every target of the tree. scripts/sanitize.sh builds
# and runs both (build-asan/, build-tsan/) with the run-time options that make reports fatal.
# Xapian, ICU, cpp-httplib (a Debian shared library) and libstdc++ are not instrumented: ASan
# still sees their heap through its malloc, TSan sees their locks through its pthread interceptors
# but not their plain memory accesses.
if(SONDHAN_SANITIZE STREQUAL "address")
  # -fno-sanitize-recover: an undefined-behaviour report ends the process, so the test fails.
  # _GLIBCXX_ASSERTIONS: libstdc++'s inline bounds checks (vector/string operator[], front() of
  # an empty container), which ASan misses inside a container's capacity. ABI-neutral.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-optimize-sibling-calls
                      -fno-sanitize-recover=undefined)
  add_compile_definitions(_GLIBCXX_ASSERTIONS)
  add_link_options(-fsanitize=address,undefined)
elseif(SONDHAN_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -fno-optimize-sibling-calls)
  add_link_options(-fsanitize=thread)
  # glibc starts the thread of a SIGEV_THREAD timer (Xapian's Enquire::set_time_limit) behind
  # TSan's back, and the first malloc there crashes: every program gets timers that run on a
  # std::thread instead (tests/sanitizers/tsan_thread_timers.cc). Executables only, so that the
  # definitions are not repeated in each static library.
  add_library(sondhan_tsan_timers OBJECT ${CMAKE_SOURCE_DIR}/tests/sanitizers/tsan_thread_timers.cc)
  link_libraries("$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:sondhan_tsan_timers>")
elseif(SONDHAN_SANITIZE)
  message(FATAL_ERROR "SONDHAN_SANITIZE must be empty, 'address' or 'thread', not '${SONDHAN_SANITIZE}'")
endif()
