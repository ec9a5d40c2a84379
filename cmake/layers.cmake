# One static library per layer. A layer's sources are compiled against a view of the tree
# (build/layers/<layer>/) that holds only its own folder and the folders of the layers it stands
# on, so an include that points upward names a file that is not there and the build fails.
# Layers, lowest first (docs/design.md "Layers"):
#   core, config -> codec -> runtime -> kafka, storage -> model -> feed -> operators -> topology
#   -> rest -> cli
# spotstream_layer(<name> <folder> [DEPENDS <layer>...]): DEPENDS lists the layers directly below;
# what they stand on is visible too.

function(spotstream_layer name folder)
  cmake_parse_arguments(L "" "" "DEPENDS;EXTRA_SOURCES;EXCLUDE" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${folder}/*.cpp)
  foreach(x ${L_EXCLUDE})
    list(REMOVE_ITEM sources ${PROJECT_SOURCE_DIR}/${x})
  endforeach()
  add_library(spotstream_${name} STATIC ${sources} ${L_EXTRA_SOURCES})

  set(visible ${folder})
  foreach(dep ${L_DEPENDS})
    get_property(dep_visible GLOBAL PROPERTY SPOTSTREAM_VISIBLE_${dep})
    list(APPEND visible ${dep_visible})
  endforeach()
  list(REMOVE_DUPLICATES visible)
  set_property(GLOBAL PROPERTY SPOTSTREAM_VISIBLE_${name} ${visible})

  set(view ${PROJECT_BINARY_DIR}/layers/${name})
  file(REMOVE_RECURSE ${view})
  foreach(f ${visible})
    get_filename_component(parent ${view}/${f} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${f} ${view}/${f} SYMBOLIC)
  endforeach()
  target_include_directories(spotstream_${name} PRIVATE ${view})
  list(TRANSFORM L_DEPENDS PREPEND spotstream_)
  target_link_libraries(spotstream_${name} PUBLIC ${L_DEPENDS} spotstream_external)
endfunction()
