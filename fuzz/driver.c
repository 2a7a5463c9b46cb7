/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * A plain main for the fuzz targets when they are not built with libFuzzer:
 * it replays each file named on the command line, or every file in a named
 * directory, through LLVMFuzzerTestOneInput() in a malloc'd buffer of the
 * exact size, so ASan sees any read past the end.  Options starting with
 * '-' (libFuzzer's, such as -runs=0) are ignored, so one command line
 * replays a corpus with either build.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DRIVER_MAX_INPUT	(1024 * 1024)
#define DRIVER_MAX_FILES	(100000)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
driver_file(const char *path)
{
	FILE		*f;
	uint8_t		*buf = NULL;
	struct stat	 st;
	size_t		 n;
	int		 ret = -1;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return (-1);
	}
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > DRIVER_MAX_INPUT) {
		fprintf(stderr, "%s: not a regular file of at most %d bytes\n",
		    path, DRIVER_MAX_INPUT);
		goto out;
	}
	n = (size_t)st.st_size;
	/* Exactly n bytes (malloc(0) may return NULL: keep one byte). */
	if ((buf = malloc(n == 0 ? 1 : n)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", path);
		goto out;
	}
	if (n != 0 && fread(buf, 1, n, f) != n) {
		fprintf(stderr, "%s: short read\n", path);
		goto out;
	}
	LLVMFuzzerTestOneInput(buf, n);
	ret = 0;
out:
	free(buf);
	fclose(f);
	return (ret);
}

static int
driver_dir(const char *path, unsigned *count)
{
	DIR		*d;
	struct dirent	*de;
	char		 file[4096];
	int		 ret = 0;

	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL && *count < DRIVER_MAX_FILES) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", path,
		    de->d_name) >= sizeof(file)) {
			fprintf(stderr, "%s: path too long\n", path);
			ret = -1;
			continue;
		}
		if (driver_file(file) != 0)
			ret = -1;
		else
			(*count)++;
	}
	closedir(d);
	return (ret);
}

int
main(int argc, char **argv)
{
	struct stat	st;
	unsigned	count = 0;
	int		i, ret = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			ret = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (driver_dir(argv[i], &count) != 0)
				ret = 1;
		} else if (driver_file(argv[i]) != 0)
			ret = 1;
		else
			count++;
	}
	fprintf(stderr, "%s: %u inputs replayed\n", argv[0], count);
	return (ret);
}
