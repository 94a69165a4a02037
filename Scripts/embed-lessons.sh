#!/bin/sh
# Regenerates Sources/NetLabConsole/BuiltInLessonFiles.swift from Lessons/*.toml, so that the
# shipped lessons are compiled into the binary, numbered in this order. Run after editing a
# lesson; a test fails when the two differ.
exec "$(dirname "$0")/embed-toml.sh" Lessons Sources/NetLabConsole/BuiltInLessonFiles.swift BuiltInLessonFiles \
    "(name, file text), in lesson order." tcp-before-server udp-before-server mismatched-ports web-server uppercase-bytes \
    long-message firewall-drop-reject
