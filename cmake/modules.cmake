# The module table: every library under src/ and the modules it may depend on directly.
# This is DESIGN.md's dependency DAG written once. es_module() refuses a DEPS entry that is
# not listed here, and tools/check_layering.py (a ctest) refuses an #include that crosses it.
# A module may include headers of its direct dependencies and of their dependencies.
es_layer(base)
es_layer(model          DEPS base)
es_layer(storage        DEPS model base)
es_layer(kafka/protocol DEPS model base)
es_layer(broker         DEPS storage model base)
es_layer(client         DEPS model base)
es_layer(http           DEPS base)
es_layer(kafka/server   DEPS kafka/protocol broker base)
es_layer(registry/compat DEPS base)
es_layer(registry/serdes DEPS registry/compat base)
es_layer(stream/state   DEPS base)
es_layer(stream/api     DEPS stream/state model base)
es_layer(stream/runtime DEPS stream/api stream/state client http model base)
es_layer(stream/formats DEPS stream/api registry/serdes registry/compat base)
es_layer(stream/nexmark DEPS stream/formats stream/api base)
es_layer(stream/jobs    DEPS stream/formats stream/nexmark stream/api base)
es_layer(registry/service DEPS registry/compat client http base)
es_layer(dashboard      DEPS client http base)
es_layer(serve          DEPS broker kafka/server http registry/service dashboard base)
es_layer(app            DEPS serve dashboard stream/runtime stream/jobs stream/formats registry/service registry/serdes registry/compat client http storage model base)
