# `cmake --install`: the etchsim binary, every part's static library and public headers, the chip
# configurations, and a CMake package (etchsimConfig.cmake, its version file and the exported
# targets etchsim::<part>) so that find_package(etchsim CONFIG) works from the prefix
# (docs/integration.md). Headers generated at configure time (build/generated/etchsim/) are
# included by sources only, never by a public header, so none is installed.
include(CMakePackageConfigHelpers)

set(ETCHSIM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/etchsim)
set(ETCHSIM_INSTALL_CONFIGSDIR ${CMAKE_INSTALL_DATADIR}/etchsim/configs)

get_property(etchsim_parts GLOBAL PROPERTY ETCHSIM_PARTS)
install(TARGETS ${etchsim_parts} etchsim_systemc
        EXPORT etchsimTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS etchsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# cli/'s header is the binary's own (no library).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/etchsim DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp" PATTERN "cli" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs/ DESTINATION ${ETCHSIM_INSTALL_CONFIGSDIR}
        FILES_MATCHING PATTERN "*.toml" PATTERN "README.md")

install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/docs/integration.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

install(EXPORT etchsimTargets NAMESPACE etchsim:: DESTINATION ${ETCHSIM_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/etchsimConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/etchsimConfig.cmake
                              INSTALL_DESTINATION ${ETCHSIM_INSTALL_CMAKEDIR}
                              PATH_VARS ETCHSIM_INSTALL_CONFIGSDIR CMAKE_INSTALL_BINDIR)
# 0.x: any minor version may change the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/etchsimConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/etchsimConfig.cmake
              ${PROJECT_BINARY_DIR}/etchsimConfigVersion.cmake
        DESTINATION ${ETCHSIM_INSTALL_CMAKEDIR})
