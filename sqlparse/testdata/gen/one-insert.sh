#!/bin/sh
# Writes one INSERT statement of about 1 GiB (11.7 million rows, strings
# with MySQL escapes) to standard output, for the memory figure in the
# README: sh one-insert.sh | /usr/bin/time -v dumpimport parse -quiet /dev/stdin
exec awk 'BEGIN {
	q = sprintf("%c", 39)
	row = "(123456," q "some text with \\" q "escapes\\" q " and more text here" q ",NULL,3.14159," q "2006-02-15 04:34:33" q ")"
	n = int(1073741824 / (length(row) + 1))
	printf "INSERT INTO t VALUES "
	for (i = 0; i < n; i++) printf "%s,", row
	print "(1," q "last" q ",NULL,1.0," q "x" q ");"
}'
