# Turns schema/NNNN-*.sql into a C table of migrations, in file-name order
# (numbers consecutive from 0001).
# Run with -DSCHEMA_DIR=... -DOUT=...; each file's text is emitted as hex bytes so
# that no SQL character needs escaping.
file(GLOB files "${SCHEMA_DIR}/[0-9][0-9][0-9][0-9]-*.sql")
list(SORT files)
set(body "/* generated from the schema directory by cmake/embed-schema.cmake; do not edit */\n")
string(APPEND body "#include \"store-local.h\"\n\n")
set(table "")
set(prev 0)
foreach(f ${files})
	get_filename_component(name "${f}" NAME)
	string(SUBSTRING "${name}" 0 4 num)
	math(EXPR num "${num}")
	# Numbers are consecutive: a store at version N has applied 1..N, so a number
	# added below the highest would never reach existing stores.
	math(EXPR expect "${prev} + 1")
	if(NOT num EQUAL expect)
		message(FATAL_ERROR "schema file ${name}: expected number ${expect}")
	endif()
	set(prev ${num})
	file(READ "${f}" hex HEX)
	string(REGEX REPLACE "(..)" "0x\\1," hex "${hex}")
	string(APPEND body "static const char sql_${num}[] = { ${hex} 0 };\n")
	string(APPEND table "\t{ ${num}, \"${name}\", sql_${num} },\n")
endforeach()
string(APPEND body "\nconst struct store_migration store_migrations[] = {\n${table}};\n")
string(APPEND body "const unsigned int store_nr_migrations = sizeof(store_migrations) / sizeof(store_migrations[0]);\n")
file(WRITE "${OUT}.tmp" "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
file(REMOVE "${OUT}.tmp")
