{#- On Spark, the sources (models/staging/_sources.yml) are the Parquet files exported from a DuckDB warehouse, one
    `<table>.parquet` per source table in the folder of the var `parquet_dir`: each becomes an external table of the
    target schema before the models run (on-run-start). Dropping such a table leaves its files alone. On DuckDB the
    sources are the warehouse's own tables: nothing to do. -#}
{% macro lola_register_sources() %}{{ return(adapter.dispatch('lola_register_sources')()) }}{% endmacro %}

{% macro default__lola_register_sources() %}{% endmacro %}

{% macro spark__lola_register_sources() %}
  {%- if execute -%}
    {%- set parquet_dir = var('parquet_dir', none) -%}
    {%- if not parquet_dir -%}
      {{ exceptions.raise_compiler_error("target spark: pass --vars '{\"parquet_dir\": FOLDER}', the folder of the sources' <table>.parquet files") }}
    {%- endif -%}
    {% do run_query("CREATE SCHEMA IF NOT EXISTS " ~ target.schema) %}
    {%- for node in graph.sources.values() if node.package_name == project_name -%}
      {%- set relation = api.Relation.create(schema=node.schema, identifier=node.identifier) -%}
      {% do run_query("DROP TABLE IF EXISTS " ~ relation) %}
      {% do run_query("CREATE TABLE " ~ relation ~ " USING parquet LOCATION '" ~ parquet_dir ~ "/" ~ node.name ~ ".parquet'") %}
    {%- endfor -%}
  {%- endif -%}
{% endmacro %}
