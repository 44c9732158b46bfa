# The folders' dependency rules, checked on the sources (cmake -P, run as the CTest test
# "layering"): only core opens Xapian, so server/ and indexer/ never include it, and analyzers/
# only in its stemmer adapter; analyzers/ includes nothing of core; server/ and indexer/ never
# include each other. A broken rule lists the offending lines and fails.
set(root "${CMAKE_CURRENT_LIST_DIR}/..")
set(broken "")

function(forbid folder regex why)
  file(GLOB_RECURSE files "${root}/${folder}/*.h" "${root}/${folder}/*.cc")
  foreach(file IN LISTS files)
    if(file MATCHES "xapian_stemmer\\.h$")
      continue()  # the stemmer adapter for Xapian's own tools
    endif()
    file(STRINGS "${file}" lines REGEX "${regex}")
    foreach(line IN LISTS lines)
      file(RELATIVE_PATH rel "${root}" "${file}")
      string(APPEND broken "  ${rel}: ${line}  (${why})\n")
    endforeach()
  endforeach()
  set(broken "${broken}" PARENT_SCOPE)
endfunction()

forbid(server "#include [<\"]xapian" "only core opens Xapian")
forbid(indexer "#include [<\"]xapian" "only core opens Xapian")
forbid(analyzers "#include [<\"]xapian" "analyzers use no Xapian")
forbid(analyzers "#include \"sondhan/core/" "analyzers depend on nothing of core")
forbid(server "#include \"sondhan/indexer/" "server and indexer never include each other")
forbid(indexer "#include \"sondhan/server/" "server and indexer never include each other")
forbid(core "#include \"sondhan/(server|indexer)/" "core depends on neither program")

if(broken)
  message(FATAL_ERROR "dependency rules broken:\n${broken}")
endif()
message(STATUS "dependency rules hold")
