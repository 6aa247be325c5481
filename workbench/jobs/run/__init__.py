"""Running a notebook once: prepare, execute on a kernel, record; and the engines."""
