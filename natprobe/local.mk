# natprobe: rules added by its owner.
