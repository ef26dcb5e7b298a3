# Installation layout and packages (CPack: .deb and .rpm), in two components:
#   tgwark      the product: binary, OCF agent, man pages, example config, user docs
#   tgwark-sim  the EC2 + IMDS emulator: binary, man page, reference topologies,
#               the walkthrough and emulator docs (what `tgwark demo` needs)
# The product package carries no emulator, benchmark topology, developer doc or
# HTTP server library. docs/packaging.md describes the result.

# Who the packages name as maintainer. The Debian convention (DEBFULLNAME,
# DEBEMAIL in the environment) wins; else the project's maintainers.
set(_maintainer_default "tgwark maintainers <maintainers@users.noreply.r-seed-ca4082b7.example>")
if(DEFINED ENV{DEBFULLNAME} AND DEFINED ENV{DEBEMAIL})
  set(_maintainer_default "$ENV{DEBFULLNAME} <$ENV{DEBEMAIL}>")
endif()
set(TGWARK_PACKAGE_MAINTAINER "${_maintainer_default}" CACHE STRING
  "Maintainer field of the .deb/.rpm and their changelog: \"Name <email>\"")
# The date of the release's changelog entry (RFC 5322, as dpkg wants it);
# fixed, so that the packages of one version are reproducible.
set(TGWARK_RELEASE_DATE "Sat, 28 Nov 2026 00:00:00 +0000")

set(_pkg_files ${CMAKE_BINARY_DIR}/package-files)

# Compressed with -n (no name, no time stamp: reproducible) -9, as Debian policy asks.
function(tgwark_gzip src out)
  add_custom_command(OUTPUT ${out}
    COMMAND gzip -n -9 -c ${src} > ${out}
    DEPENDS ${src}
    COMMENT "gzip ${out}" VERBATIM)
  set_property(GLOBAL APPEND PROPERTY TGWARK_PACKAGE_FILES ${out})
endfunction()

# Man pages.
foreach(page tgwark.8 tgwark.toml.5 tgwark-sim.1)
  tgwark_gzip(${PROJECT_SOURCE_DIR}/packaging/man/${page} ${_pkg_files}/man/${page}.gz)
endforeach()

# copyright and changelog in each package's doc directory.
foreach(pkg tgwark tgwark-sim)
  set(TGWARK_DEB_PACKAGE ${pkg})
  configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/copyright.in
    ${_pkg_files}/${pkg}/copyright @ONLY)
  configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/changelog.in
    ${_pkg_files}/${pkg}/changelog @ONLY)
  # A native package (no Debian revision): its changelog is changelog.gz.
  tgwark_gzip(${_pkg_files}/${pkg}/changelog ${_pkg_files}/${pkg}/changelog.gz)
endforeach()
get_property(_files GLOBAL PROPERTY TGWARK_PACKAGE_FILES)
add_custom_target(tgwark_package_files ALL DEPENDS ${_files})

set(_docdir ${CMAKE_INSTALL_DATAROOTDIR}/doc)

# ---- tgwark (the product) -----------------------------------------------------
# bin/tgwark itself: src/cli/CMakeLists.txt.
install(PROGRAMS packaging/ocf/tgwark DESTINATION lib/ocf/resource.d/tgwark COMPONENT tgwark)
install(FILES ${_pkg_files}/man/tgwark.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
  COMPONENT tgwark)
install(FILES ${_pkg_files}/man/tgwark.toml.5.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man5
  COMPONENT tgwark)
install(FILES packaging/examples/tgwark.toml packaging/examples/single-vpc.toml
  DESTINATION ${_docdir}/tgwark/examples
  COMPONENT tgwark)
install(FILES README.md docs/configuration.md docs/lifekeeper.md docs/pacemaker.md docs/iam.md
  docs/json.md docs/observability.md docs/troubleshooting.md docs/semantics.md
  docs/reliability.md docs/packaging.md
  DESTINATION ${_docdir}/tgwark COMPONENT tgwark)
install(FILES ${_pkg_files}/tgwark/copyright ${_pkg_files}/tgwark/changelog.gz
  DESTINATION ${_docdir}/tgwark COMPONENT tgwark)

# ---- tgwark-sim (the emulator) -------------------------------------------------
# bin/tgwark-sim itself: src/sim/CMakeLists.txt.
install(FILES ${_pkg_files}/man/tgwark-sim.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
  COMPONENT tgwark-sim)
# The reference topologies; the benchmark ones (ref-scale*) stay in the source tree.
install(FILES topologies/demo.json topologies/ref-3r.json topologies/single-vpc.json
  DESTINATION ${CMAKE_INSTALL_DATADIR}/tgwark-sim/topologies COMPONENT tgwark-sim)
install(FILES docs/walkthrough.md docs/emulator.md DESTINATION ${_docdir}/tgwark-sim
  COMPONENT tgwark-sim)
install(FILES ${_pkg_files}/tgwark-sim/copyright ${_pkg_files}/tgwark-sim/changelog.gz
  DESTINATION ${_docdir}/tgwark-sim COMPONENT tgwark-sim)

# ---- CPack ---------------------------------------------------------------------
set(CPACK_PACKAGE_NAME tgwark)
set(CPACK_PACKAGE_VENDOR "tgwark")
set(CPACK_PACKAGE_CONTACT "${TGWARK_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# No CPACK_PACKAGE_DESCRIPTION_SUMMARY: CPackDeb would put it before every
# component's description, so both .debs would share one synopsis. Each
# description's first line is its package's synopsis instead.
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
# Packages install under /usr whatever the build's own install prefix.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL tgwark tgwark-sim)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_GENERATOR DEB)
find_program(RPMBUILD_EXECUTABLE rpmbuild)
if(RPMBUILD_EXECUTABLE)
  list(APPEND CPACK_GENERATOR RPM)
endif()

set(_tgwark_description [=[Keeps a cluster's virtual IP routed across AWS VPCs and Transit Gateways
tgwark keeps a cluster's virtual IP reachable when the cluster's nodes sit in
different AWS VPCs, even different regions, joined by Transit Gateways. When
a node becomes active, tgwark points the VIP's host route in every VPC route
table and every Transit Gateway route table in scope at that node, verifies
it, watches for drift and repairs it, touching nothing but routes whose
destination is exactly the VIP.

It plugs into SIOS LifeKeeper as a Generic Application recovery kit
(restore, remove, quickCheck, recover) and into Pacemaker as an OCF resource
agent. It signs its own EC2 API requests (SigV4) and reads credentials from
the environment, profiles, instance metadata (IMDSv2) or STS.]=])
set(_sim_description [=[EC2 and instance-metadata emulator for trying tgwark
tgwark-sim serves the EC2 Query API subset that tgwark uses (VPC and Transit
Gateway route tables, attachments, peering) and the IMDSv2 instance metadata
of each emulated node, on loopback, from a topology file. It verifies SigV4
signatures and can inject latency, throttling and faults.

It lets the tgwark demo command and the walkthrough run a real failover
with no AWS account. Reference topologies are in
/usr/share/tgwark-sim/topologies.]=])

# .deb
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TGWARK_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_TGWARK_PACKAGE_NAME tgwark)
set(CPACK_DEBIAN_TGWARK_DESCRIPTION "${_tgwark_description}")
set(CPACK_DEBIAN_TGWARK_PACKAGE_SUGGESTS "graphviz, tgwark-sim")
set(CPACK_DEBIAN_TGWARK-SIM_PACKAGE_NAME tgwark-sim)
set(CPACK_DEBIAN_TGWARK-SIM_DESCRIPTION "${_sim_description}")
set(CPACK_DEBIAN_TGWARK-SIM_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_TGWARK-SIM_PACKAGE_SUGGESTS "tgwark")

# .rpm: requirements come only from the shared-library scan (AUTOREQ).
set(CPACK_RPM_COMPONENT_INSTALL ON)
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_LICENSE "Apache-2.0")
set(CPACK_RPM_PACKAGE_GROUP "Applications/System")
set(CPACK_RPM_PACKAGE_AUTOREQ ON)
set(CPACK_RPM_TGWARK_PACKAGE_NAME tgwark)
string(REGEX MATCH "^[^\n]*" _tgwark_summary "${_tgwark_description}")
set(CPACK_RPM_TGWARK_PACKAGE_SUMMARY "${_tgwark_summary}")
# The rpm's description is the text after the summary line.
function(tgwark_after_first_line text out)
  string(FIND "${text}" "\n" newline)
  math(EXPR start "${newline} + 1")
  string(SUBSTRING "${text}" ${start} -1 rest)
  set(${out} "${rest}" PARENT_SCOPE)
endfunction()
tgwark_after_first_line("${_tgwark_description}" _tgwark_rpm_description)
set(CPACK_RPM_TGWARK_PACKAGE_DESCRIPTION "${_tgwark_rpm_description}")
set(CPACK_RPM_TGWARK_PACKAGE_SUGGESTS "graphviz")
set(CPACK_RPM_TGWARK-SIM_PACKAGE_NAME tgwark-sim)
string(REGEX MATCH "^[^\n]*" _sim_summary "${_sim_description}")
set(CPACK_RPM_TGWARK-SIM_PACKAGE_SUMMARY "${_sim_summary}")
tgwark_after_first_line("${_sim_description}" _sim_rpm_description)
set(CPACK_RPM_TGWARK-SIM_PACKAGE_DESCRIPTION "${_sim_rpm_description}")
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION /usr/lib/ocf /usr/lib/ocf/resource.d
  /usr/share/man /usr/share/man/man1 /usr/share/man/man5 /usr/share/man/man8)
include(CPack)
