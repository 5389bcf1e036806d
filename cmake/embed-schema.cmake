# Turns schema/NNNN-*.sql into a C table of migrations, in file-name order
# (numbers strictly rising, gaps allowed).
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
	# Numbers rise strictly; a gap is allowed (a number reserved by work that has not
	# landed yet), a repeated number is not.
	if(NOT num GREATER prev)
		message(FATAL_ERROR "schema file ${name}: number ${num} does not follow ${prev}")
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
