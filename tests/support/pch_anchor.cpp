// Compiles the shared precompiled header of the tests (tests/CMakeLists.txt); holds no code.
