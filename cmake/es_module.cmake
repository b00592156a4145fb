# es_module(NAME <path under src/> SOURCES ... [DEPS ...] [LIBS ...])
#   Creates the static library es_<name> (alias es::<name>, slashes become underscores) from the
#   folder src/<name>. DEPS are other edgestream modules and must be allowed by cmake/modules.cmake;
#   LIBS are third-party libraries, kept PRIVATE so their headers do not spread.
# es_module_tests(NAME <module> SOURCES ... [LIBS ...])
#   One gtest binary per module (<name>_tests), every case registered with ctest.

set(ES_LAYERS "")

function(es_target_name out path)
    string(REPLACE "/" "_" name "${path}")
    set(${out} "es_${name}" PARENT_SCOPE)
endfunction()

function(es_layer name)
    cmake_parse_arguments(L "" "" "DEPS" ${ARGN})
    set(ES_LAYERS ${ES_LAYERS} "${name}" PARENT_SCOPE)
    set(ES_LAYER_DEPS_${name} "${L_DEPS}" PARENT_SCOPE)
endfunction()

function(es_module)
    cmake_parse_arguments(M "" "NAME" "SOURCES;DEPS;LIBS;PUBLIC_LIBS" ${ARGN})
    if(NOT "${M_NAME}" IN_LIST ES_LAYERS)
        message(FATAL_ERROR "module '${M_NAME}' is not in cmake/modules.cmake")
    endif()
    foreach(dep IN LISTS M_DEPS)
        if(NOT "${dep}" IN_LIST ES_LAYER_DEPS_${M_NAME})
            message(FATAL_ERROR "module '${M_NAME}' may not depend on '${dep}' "
                                "(allowed: ${ES_LAYER_DEPS_${M_NAME}}); see cmake/modules.cmake")
        endif()
    endforeach()
    es_target_name(target "${M_NAME}")
    string(REPLACE "/" "_" alias "${M_NAME}")
    add_library(${target} STATIC ${M_SOURCES})
    add_library(es::${alias} ALIAS ${target})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    foreach(dep IN LISTS M_DEPS)
        es_target_name(dep_target "${dep}")
        target_link_libraries(${target} PUBLIC ${dep_target})
    endforeach()
    target_link_libraries(${target} PRIVATE ${M_LIBS} PUBLIC ${M_PUBLIC_LIBS} es_warnings)
endfunction()

function(es_module_tests)
    cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS" ${ARGN})
    if(NOT ES_BUILD_TESTS)
        return()
    endif()
    es_target_name(module_target "${T_NAME}")
    string(REPLACE "/" "_" bin "${T_NAME}")
    add_executable(${bin}_tests ${T_SOURCES})
    target_link_libraries(${bin}_tests PRIVATE ${module_target} ${T_LIBS} GTest::gtest_main
                                               GTest::gmock es_warnings)
    gtest_discover_tests(${bin}_tests DISCOVERY_TIMEOUT 60
                         PROPERTIES LABELS "unit;${bin}")
endfunction()
