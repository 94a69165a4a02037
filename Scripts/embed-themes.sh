#!/bin/sh
# Regenerates Sources/NetLabConsole/Themes/BuiltInThemeFiles.swift from Themes/*.toml, so that
# the shipped themes are compiled into the binary. Run after editing a theme; a test fails
# when the two differ.
exec "$(dirname "$0")/embed-toml.sh" Themes Sources/NetLabConsole/Themes/BuiltInThemeFiles.swift BuiltInThemeFiles \
    "(name, file text), default first." default classroom-light high-contrast monochrome phosphor
